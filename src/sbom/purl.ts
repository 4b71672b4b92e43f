/**
 * Package URLs for Spack builds. A `pkg:spack/...` type is proposed (package-url/purl-spec
 * #895) but not registered yet, so Paks uses the registered `generic` type, with the Spack
 * hash (which pins the exact build) as a qualifier.
 */
import { targetName, type SpecNode } from '../spack/spec-json.js';
import type { PackageInfo } from './package-info.js';

function encode(component: string): string {
  return encodeURIComponent(component).replace(/%3A/gi, ':');
}

/** `pkg:generic/greet-paks@1.0.0?arch=linux-debian12-icelake&spack-hash=eus5xxl...` */
export function spackPurl(node: SpecNode, info: PackageInfo = {}): string {
  const qualifiers: Record<string, string> = {
    arch: `${node.arch.platform}-${node.arch.platform_os}-${targetName(node.arch)}`,
    'spack-hash': node.hash,
  };
  if (info.url) qualifiers.download_url = info.url;
  if (info.sha256) qualifiers.checksum = `sha256:${info.sha256}`;
  const query = Object.keys(qualifiers)
    .sort()
    .map((key) => `${key}=${encode(qualifiers[key]!)}`)
    .join('&');
  return `pkg:generic/${encode(node.name)}@${encode(node.version)}?${query}`;
}
