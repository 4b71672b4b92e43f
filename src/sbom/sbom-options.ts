import type { PackageInfoByName } from './package-info.js';

/** What both SBOM writers take besides the spec document. */
export interface SbomOptions {
  /** Homepage, source URL and checksum, licence per package name (e.g. from `spack info`). */
  packageInfo?: PackageInfoByName;
  /** When the SBOM is made; with the root hash it fixes the serial number / namespace. */
  timestamp: Date | string;
  /** Paks' version, recorded as the tool that made the SBOM. */
  toolVersion: string;
}
