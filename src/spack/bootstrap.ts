import { access, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { PaksError } from '../errors.js';
import type { Reporter } from '../ui/reporter.js';
import { defaultBootstrapDir } from './locate.js';

export interface BootstrapOptions {
  url: string;
  version: string;
  /** Spack 1.x keeps its builtin packages in spack/spack-packages; this release of it is cloned beside Spack. */
  packages?: { url: string; version: string };
  force?: boolean;
  dir?: string;
  reporter?: Reporter;
  env?: NodeJS.ProcessEnv;
}

export interface Bootstrapped {
  /** SPACK_ROOT */
  dir: string;
  /** The spack-packages checkout Spack 1.x uses as its builtin repository (none for 0.x). */
  packagesDir?: string;
}

/** 0.x releases carry their packages; 1.x (and develop) need spack-packages. */
export function needsPackageRepository(version: string): boolean {
  return !/^v?0\./.test(version);
}

/**
 * Shallow-clones Spack at the pinned tag and, for Spack 1.x, its package repository at the
 * pinned tag, registered as `builtin` in the Spack's own etc/spack/repos.yaml, so Spack never
 * clones it itself. Everything appears only when complete.
 */
export async function bootstrapSpack(options: BootstrapOptions): Promise<Bootstrapped> {
  const dir = options.dir ?? defaultBootstrapDir();
  const withPackages = needsPackageRepository(options.version) && options.packages;
  const packagesDir = withPackages ? join(dirname(dir), 'spack-packages') : undefined;
  const present = await access(join(dir, 'bin', 'spack')).then(() => true, () => false);
  if (present && !options.force) {
    options.reporter?.info(`Spack is already bootstrapped in ${dir} (use --force to replace it).`);
    return packagesDir ? { dir, packagesDir } : { dir };
  }
  await refuseForeignFolder(dir, join('bin', 'spack'));
  if (packagesDir) await refuseForeignFolder(packagesDir, join('repos', 'spack_repo'));
  await mkdir(dirname(dir), { recursive: true });
  const partial = `${dir}.partial-${process.pid}`;
  const partialPackages = packagesDir ? `${packagesDir}.partial-${process.pid}` : undefined;
  try {
    await clone(options, options.url, options.version, partial, 'Spack');
    if (withPackages && partialPackages && packagesDir) {
      await clone(options, withPackages.url, withPackages.version, partialPackages, 'its package repository');
      // The form Spack 1.x writes itself: `repos: {builtin: <path>}` (a path, not a git URL, so nothing is fetched later).
      const builtin = join(packagesDir, 'repos', 'spack_repo', 'builtin');
      await mkdir(join(partial, 'etc', 'spack'), { recursive: true });
      await writeFile(join(partial, 'etc', 'spack', 'repos.yaml'), stringify({ repos: { builtin } }));
    }
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    if (partialPackages) await rm(partialPackages, { recursive: true, force: true });
    throw error;
  }
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  if (packagesDir && partialPackages) {
    await rm(packagesDir, { recursive: true, force: true });
    await rename(partialPackages, packagesDir);
  }
  options.reporter?.info(`Spack ${options.version} is in ${dir}${packagesDir ? `, its packages (${withPackages ? withPackages.version : ''}) in ${packagesDir}` : ''}`);
  return packagesDir ? { dir, packagesDir } : { dir };
}

/** Bootstrap replaces a missing or empty folder, or a checkout of what it clones there (`sign` is a path only that holds); nothing else. */
async function refuseForeignFolder(folder: string, sign: string): Promise<void> {
  const entries = await readdir(folder).catch(() => []);
  if (entries.length === 0 || (await access(join(folder, sign)).then(() => true, () => false))) return;
  throw new PaksError('conflict', `${folder} exists and is not a checkout paks bootstrap made (it has no ${sign}); Paks will not replace it.`, {
    hint: 'Move it away, then run paks bootstrap again.',
  });
}

async function clone(options: BootstrapOptions, url: string, version: string, into: string, what: string): Promise<void> {
  await rm(into, { recursive: true, force: true });
  const task = options.reporter?.task(`Cloning ${what} ${version} from ${url}`);
  const result = await execa('git', ['clone', '--depth', '1', '--branch', version, '--', url, into], {
    reject: false,
    stdin: 'ignore',
    env: { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: '0' },
    extendEnv: false,
  });
  if (result.exitCode !== 0) {
    task?.fail();
    const reason = String(result.stderr).trim().split('\n').filter(Boolean).pop() ?? result.shortMessage;
    throw new PaksError('network', `Could not clone ${what === 'Spack' ? 'Spack' : `Spack's ${what.replace(/^its /, '')}`} ${version} from ${url}: ${reason}.`, {
      hint: 'Check the network and the spack_version / spack_git_url / spack_packages_version / spack_packages_git_url settings, or point --spack-root at an existing Spack.',
    });
  }
  task?.succeed(`Cloned ${what} ${version}`);
}
