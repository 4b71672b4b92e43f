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

/** The package name and version a spec string asks for (`zlib@1.3.1+shared` → zlib, 1.3.1). */
export function requestedPackage(spec: string): { name: string; version?: string } {
  const match = /^(?:[A-Za-z0-9_]+\.)*([A-Za-z0-9][A-Za-z0-9_-]*)(?:\s*@\s*=?([^\s%+~^]+))?/.exec(spec.trim());
  if (!match) throw new PaksError('usage', `"${spec}" does not start with a package name.`, { hint: 'For example: paks install zlib@1.3.1' });
  const version = match[2];
  // A range (1.2:) or a list (1.2,1.3) names no single tag.
  return version && !/[:,]/.test(version) ? { name: match[1]!, version } : { name: match[1]! };
}
