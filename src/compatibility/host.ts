/** This machine as binary selection sees it: Spack's platform, os and target, and its libc. */
import { execFile } from 'node:child_process';
import { access, open, realpath } from 'node:fs/promises';
import { elfInterpreter } from './elf.js';
import { detectHostLibc, type HostLibc, type LibcProbe } from './host-libc.js';

export interface HostFacts {
  platform: string;
  os: string;
  target: string;
  /** Linux only, and only when it could be found; without it, binaries are matched by `os`. */
  libc?: HostLibc | undefined;
}

const PROBE_TIMEOUT_MS = 5_000;

/** The running Node's own loader, the way Spack uses its Python's. */
export const systemLibcProbe: LibcProbe = {
  async loader() {
    const file = await open(process.execPath, 'r').catch(() => undefined);
    if (!file) return undefined;
    try {
      const buffer = Buffer.alloc(16 * 1024);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      return elfInterpreter(buffer.subarray(0, bytesRead));
    } finally {
      await file.close();
    }
  },
  realpath: (path) => realpath(path),
  exists: (path) => access(path).then(() => true, () => false),
  run: (file, args) =>
    new Promise((resolve) => {
      execFile(file, [...args], { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
        // A loader run without a program exits non-zero (musl): its output is what counts.
        if (error && typeof (error as { code?: unknown }).code === 'string') resolve(undefined);
        else resolve({ stdout, stderr });
      });
    }),
};

let systemLibc: Promise<HostLibc | undefined> | undefined;

/** The host's libc, looked up once per run (the default probe) or from the probe given. */
export function hostLibc(platform: string, probe?: LibcProbe): Promise<HostLibc | undefined> {
  if (platform !== 'linux' && platform !== 'cray') return Promise.resolve(undefined);
  if (probe) return detectHostLibc(probe);
  systemLibc ??= detectHostLibc(systemLibcProbe).catch(() => undefined);
  return systemLibc;
}
