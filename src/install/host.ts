import { PaksError } from '../errors.js';
import type { SpackRunner } from '../spack/runner.js';

/** This machine as Spack sees it: `spack arch` → linux-debian12-icelake. */
export interface HostArch {
  platform: string;
  os: string;
  target: string;
}

export async function hostArch(spack: SpackRunner): Promise<HostArch> {
  const result = await spack.run(['arch'], { doing: 'tell this machine\'s architecture' });
  return parseArch(result.stdout.trim());
}

export function parseArch(text: string): HostArch {
  const match = /^([a-z0-9_]+)-(.+)-([A-Za-z0-9_]+)$/.exec(text);
  if (!match) throw new PaksError('spack', `"spack arch" printed "${text}", which is not platform-os-target.`);
  return { platform: match[1]!, os: match[2]!, target: match[3]! };
}
