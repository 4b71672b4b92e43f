import { access, constants, realpath } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PaksError } from '../errors.js';

export type SpackSource = 'flag' | 'env' | 'setting' | 'bootstrap' | 'path';

export interface SpackInstallation {
  /** The `spack` executable to run. */
  executable: string;
  /** SPACK_ROOT, when known (not for a bare `spack` found on PATH). */
  root: string | undefined;
  source: SpackSource;
}

export interface LocateOptions {
  flagRoot?: string | undefined;
  settingRoot?: string | null | undefined;
  env?: NodeJS.ProcessEnv;
  bootstrapDir?: string;
}

/** Where `paks bootstrap` keeps its Spack: the spack/ folder of the Paks package. */
export function defaultBootstrapDir(): string {
  return fileURLToPath(new URL('../../spack/spack', import.meta.url));
}

/** --spack-root > PAKS_SPACK_ROOT / SPACK_ROOT > setting > bootstrapped copy > PATH. */
export async function locateSpack(options: LocateOptions = {}): Promise<SpackInstallation> {
  const env = options.env ?? process.env;
  const candidates: Array<[string | undefined | null, SpackSource, string]> = [
    [options.flagRoot, 'flag', '--spack-root'],
    [env.PAKS_SPACK_ROOT ?? env.SPACK_ROOT, 'env', env.PAKS_SPACK_ROOT ? 'PAKS_SPACK_ROOT' : 'SPACK_ROOT'],
    [options.settingRoot, 'setting', 'the spack_root setting'],
  ];
  for (const [root, source, label] of candidates) {
    if (!root) continue;
    const executable = join(root, 'bin', 'spack');
    if (!(await isExecutable(executable))) {
      throw new PaksError('not-found', `${label} points at ${root}, but ${executable} is not an executable Spack.`, {
        hint: 'Point it at a Spack checkout (the folder that holds bin/spack), or unset it to use the bootstrapped Spack.',
      });
    }
    return { executable, root, source };
  }
  const bootstrapDir = options.bootstrapDir ?? defaultBootstrapDir();
  const bootstrapped = join(bootstrapDir, 'bin', 'spack');
  if (await isExecutable(bootstrapped)) return { executable: bootstrapped, root: bootstrapDir, source: 'bootstrap' };
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const executable = join(dir, 'spack');
    if (await isExecutable(executable)) {
      // A Spack checkout's bin/spack: its root is two levels up from the real file.
      const real = await realpath(executable).catch(() => executable);
      const root = dirname(dirname(real));
      const isCheckout = await access(join(root, 'lib', 'spack')).then(() => true, () => false);
      return { executable, root: isCheckout ? root : undefined, source: 'path' };
    }
  }
  throw new PaksError('not-found', 'No Spack found: none is configured, none is bootstrapped, and there is no spack on PATH.', {
    hint: `Run "paks bootstrap" to clone Spack into ${bootstrapDir}, or point --spack-root (or the spack_root setting) at an existing Spack.`,
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
