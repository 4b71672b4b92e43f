import { access, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { PaksError } from '../errors.js';
import type { Reporter } from '../ui/reporter.js';
import { defaultBootstrapDir } from './locate.js';

export interface BootstrapOptions {
  url: string;
  version: string;
  force?: boolean;
  dir?: string;
  reporter?: Reporter;
  env?: NodeJS.ProcessEnv;
}

/** Shallow-clones Spack at the pinned tag; the clone appears only when complete. */
export async function bootstrapSpack(options: BootstrapOptions): Promise<string> {
  const dir = options.dir ?? defaultBootstrapDir();
  const present = await access(join(dir, 'bin', 'spack')).then(() => true, () => false);
  if (present && !options.force) {
    options.reporter?.info(`Spack is already bootstrapped in ${dir} (use --force to replace it).`);
    return dir;
  }
  await mkdir(dirname(dir), { recursive: true });
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  const task = options.reporter?.task(`Cloning Spack ${options.version} from ${options.url}`);
  const result = await execa('git', ['clone', '--depth', '1', '--branch', options.version, '--', options.url, partial], {
    reject: false,
    stdin: 'ignore',
    env: { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: '0' },
    extendEnv: false,
  });
  if (result.exitCode !== 0) {
    task?.fail();
    await rm(partial, { recursive: true, force: true });
    const reason = String(result.stderr).trim().split('\n').filter(Boolean).pop() ?? result.shortMessage;
    throw new PaksError('network', `Could not clone Spack ${options.version} from ${options.url}: ${reason}.`, {
      hint: 'Check the network and the spack_version / spack_git_url settings, or point --spack-root at an existing Spack.',
    });
  }
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  task?.succeed(`Spack ${options.version} is in ${dir}`);
  return dir;
}
