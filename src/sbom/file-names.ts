/** Where SBOMs sit in a build cache: next to the spec file, same stem. */
import { posix } from 'node:path';
import { BUILD_CACHE_DIR, specStem, type BinaryIdentity } from '../buildcache/layout.js';

export interface SbomFileNames {
  cyclonedx: string;
  spdx: string;
}

/** `<stem>.cdx.json` and `<stem>.spdx.json`. */
export function sbomFileNames(stem: string): SbomFileNames {
  return { cyclonedx: `${stem}.cdx.json`, spdx: `${stem}.spdx.json` };
}

/** The SBOM paths of a binary, relative to the cache root (`build_cache/<stem>.cdx.json`, ...). */
export function sbomPaths(id: BinaryIdentity): SbomFileNames {
  const names = sbomFileNames(specStem(id));
  return { cyclonedx: posix.join(BUILD_CACHE_DIR, names.cyclonedx), spdx: posix.join(BUILD_CACHE_DIR, names.spdx) };
}
