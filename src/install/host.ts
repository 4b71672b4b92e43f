import { PaksError } from '../errors.js';
import type { SpackRunner } from '../spack/runner.js';
import { hostLibc, type HostFacts } from '../compatibility/host.js';
import type { LibcProbe } from '../compatibility/host-libc.js';

/** This machine as Spack sees it: `spack arch` → linux-debian12-icelake, and its libc (on Linux). */
export type HostArch = HostFacts;

export async function hostArch(spack: SpackRunner, probe?: LibcProbe): Promise<HostArch> {
  const [result, libc] = await Promise.all([spack.run(['arch'], { doing: 'tell this machine\'s architecture' }), hostLibc(process.platform, probe)]);
  const arch = parseArch(result.stdout.trim());
  return arch.platform === 'linux' && libc ? { ...arch, libc } : arch;
}

export function parseArch(text: string): HostArch {
  const match = /^([a-z0-9_]+)-(.+)-([A-Za-z0-9_]+)$/.exec(text);
  if (!match) throw new PaksError('spack', `"spack arch" printed "${text}", which is not platform-os-target.`);
  return { platform: match[1]!, os: match[2]!, target: match[3]! };
}
