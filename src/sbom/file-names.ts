/** Where SBOMs sit in a build cache: next to the spec file, same stem. */

export interface SbomFileNames {
  cyclonedx: string;
  spdx: string;
}

/** `<stem>.cdx.json` and `<stem>.spdx.json`. */
export function sbomFileNames(stem: string): SbomFileNames {
  return { cyclonedx: `${stem}.cdx.json`, spdx: `${stem}.spdx.json` };
}

/**
 * The SBOM paths of a cached spec, relative to the cache root: layout v2
 * `build_cache/<stem>.cdx.json` beside the spec file, v3 `sbom/<name>-<version>-<hash>.cdx.json`.
 */
export function sbomPaths(spec: { sbomStem: string }): SbomFileNames {
  return sbomFileNames(spec.sbomStem);
}
