import type { SpackVersion } from '../version.js';

export type SourceName = 'github' | 'pypi' | 'spack';

/** One upstream version a source found, before the package's rules are applied. */
export interface Candidate {
  version: SpackVersion;
  prerelease: boolean;
  /** A page a reviewer can open (the release, the PyPI page, the listing). */
  link: string | undefined;
  /** The sha256 upstream publishes for the tarball, when it does (PyPI). */
  publishedSha256?: { file: string; sha256: string } | undefined;
}
