/**
 * The host's C library, found the way Spack finds it (spack/util/libc.py,
 * `libc_from_dynamic_linker`): the dynamic loader of the running program gives the prefix
 * (its real path, less `lib[64]/[multiarch]`), and running it with `--version` gives the
 * name and version; where that says nothing (older glibc), `ldd --version` beside it does.
 */
import { basename, dirname, join } from 'node:path';
import type { LibcNode } from '../spec/libc.js';

export interface HostLibc extends LibcNode {
  prefix: string;
}

/** What detection reads from the machine; tests pass recorded answers. */
export interface LibcProbe {
  /** The dynamic loader of the running program (PT_INTERP of its executable). */
  loader(): Promise<string | undefined>;
  realpath(path: string): Promise<string>;
  exists(path: string): Promise<boolean>;
  /** Runs a program; undefined when it cannot be started. A non-zero exit still has output. */
  run(file: string, args: readonly string[]): Promise<{ stdout: string; stderr: string } | undefined>;
}

export async function detectHostLibc(probe: LibcProbe): Promise<HostLibc | undefined> {
  const loader = await probe.loader();
  if (!loader || !(await probe.exists(loader))) return undefined;
  let prefix = libcPrefix(await probe.realpath(loader));
  if (prefix === undefined) return undefined;
  const output = await probe.run(loader, ['--version']);
  if (!output) return undefined;
  const fromLoader = libcFromLoaderOutput(output);
  if (fromLoader) return { ...fromLoader, prefix };
  let ldd = join(prefix, 'bin', 'ldd');
  if (!(await probe.exists(ldd))) {
    // /lib64/ld.so that is not a link into /usr (Ubuntu 18.04): Spack tries /usr.
    if (prefix !== '/') return undefined;
    prefix = '/usr';
    ldd = join(prefix, 'bin', 'ldd');
    if (!(await probe.exists(ldd))) return undefined;
  }
  const lddOutput = await probe.run(ldd, ['--version']);
  const version = lddOutput ? glibcFromLddOutput(lddOutput.stdout) : undefined;
  return version ? { name: 'glibc', version, prefix } : undefined;
}

/** `/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2` → `/usr`; undefined for a layout Spack gives up on. */
export function libcPrefix(realLoader: string): string | undefined {
  let dir = dirname(realLoader);
  if (!isLibDir(dir)) dir = dirname(dir);
  if (!isLibDir(dir)) return undefined;
  return dirname(dir);
}

function isLibDir(dir: string): boolean {
  return basename(dir) === 'lib' || basename(dir) === 'lib64';
}

/** musl's loader prints "musl libc (x86_64)\nVersion 1.2.3" on stderr; glibc's "… stable release version 2.36." on stdout. */
export function libcFromLoaderOutput(output: { stdout: string; stderr: string }): { name: string; version: string } | undefined {
  if (output.stderr.startsWith('musl libc')) {
    const version = /^Version (.+)$/m.exec(output.stderr)?.[1]?.trim();
    return version ? { name: 'musl', version } : undefined;
  }
  if (/\b(?:gnu|glibc|arm)\b/i.test(output.stdout)) {
    const version = /version (\d+\.\d+(?:\.\d+)?)/.exec(output.stdout)?.[1];
    return version ? { name: 'glibc', version } : undefined;
  }
  return undefined;
}

/** `ldd (Debian GLIBC 2.36-9+deb12u4) 2.36` → `2.36`. */
export function glibcFromLddOutput(stdout: string): string | undefined {
  if (!/\b(?:gnu|glibc|arm)\b/i.test(stdout)) return undefined;
  return /^.+\(.+\) (.+)/.exec(stdout)?.[1]?.trim();
}
