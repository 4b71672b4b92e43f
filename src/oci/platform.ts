import type { Descriptor, Platform } from './schemas.js';
import { ANNOTATION_SPACK_COMPILER, ANNOTATION_SPACK_OS, ANNOTATION_SPACK_TARGET } from './media-types.js';

/** Picks an entry of an index: false or a negative number excludes, the highest number wins. */
export type IndexSelector = (entry: Descriptor) => boolean | number;

/** The annotations that, with os/architecture/variant, say which build an index entry is. */
export const PLATFORM_ANNOTATIONS = [ANNOTATION_SPACK_TARGET, ANNOTATION_SPACK_OS, ANNOTATION_SPACK_COMPILER] as const;

/** Two entries with equal keys are the same build slot: a new push replaces the old. */
export function platformKey(entry: { platform?: Platform | undefined; annotations?: Record<string, string> | undefined }): string {
  const p = entry.platform;
  const parts = [p?.os ?? '', p?.architecture ?? '', p?.variant ?? '', ...PLATFORM_ANNOTATIONS.map((key) => entry.annotations?.[key] ?? '')];
  return JSON.stringify(parts);
}

export function selectFromIndex(manifests: readonly Descriptor[], selector: IndexSelector): Descriptor | undefined {
  let best: Descriptor | undefined;
  let bestRank = -Infinity;
  for (const entry of manifests) {
    const verdict = selector(entry);
    const rank = verdict === true ? 0 : verdict === false ? NaN : verdict;
    if (Number.isNaN(rank) || rank < 0) continue;
    if (rank > bestRank) {
      best = entry;
      bestRank = rank;
    }
  }
  return best;
}

const NODE_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', ia32: '386', arm: 'arm' };

/** This machine in OCI terms (linux/amd64, linux/arm64, ...). */
export function hostPlatform(nodePlatform: string = process.platform, nodeArch: string = process.arch): Platform {
  return { os: nodePlatform === 'win32' ? 'windows' : nodePlatform, architecture: NODE_ARCH[nodeArch] ?? nodeArch };
}

export function matchesPlatform(wanted: Platform): IndexSelector {
  return (entry) =>
    entry.platform !== undefined &&
    entry.platform.os === wanted.os &&
    entry.platform.architecture === wanted.architecture &&
    (wanted.variant === undefined || entry.platform.variant === wanted.variant);
}
