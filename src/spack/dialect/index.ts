/**
 * Which Spack Paks talks to, and how its command line and files differ between the
 * releases Paks supports: 0.23 (build-cache layout v2, specfile v4) and 1.x (layout v3,
 * specfile v5, compilers as dependencies). Each concern has one module here that knows
 * both; nothing else in Paks asks which Spack it runs.
 */
import { PaksError } from '../../errors.js';

export type SpackSeries = '0.x' | '1.x';

export interface SpackDialect {
  /** What `spack --version` printed, e.g. `1.1.0` or `0.23.0.dev0`. */
  version: string;
  series: SpackSeries;
  /** The build-cache layout this Spack writes (and the only one Paks lets it install). */
  buildCacheLayout: 2 | 3;
}

/** The oldest 0.x Paks supports (and was recorded against). */
const OLDEST_MINOR = 23;

/** Reads `spack --version` output: `1.1.0`, `0.23.1`, `0.23.0.dev0 (e8f1e2a)`. */
export function dialectOf(versionText: string): SpackDialect {
  const version = versionText.trim().split(/\s+/)[0] ?? '';
  const match = /^(\d+)\.(\d+)(?:\.|$)/.exec(version);
  if (!match) {
    throw new PaksError('spack', `"spack --version" printed "${versionText.trim()}", which is not a Spack version.`, {
      hint: 'Check that --spack-root / spack_root points at a Spack checkout (run "paks doctor").',
    });
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major === 0 && minor < OLDEST_MINOR) {
    throw new PaksError('spack', `Spack ${version} is too old for Paks, which needs Spack 0.23 or 1.x.`, {
      hint: 'Run "paks bootstrap" for a supported Spack, or point --spack-root at Spack 0.23 or newer.',
    });
  }
  return major >= 1 ? { version, series: '1.x', buildCacheLayout: 3 } : { version, series: '0.x', buildCacheLayout: 2 };
}

/** The Spack release that writes a build-cache layout, for messages. */
export function spackForLayout(layout: 2 | 3): string {
  return layout === 3 ? 'Spack 1.x' : 'Spack 0.23 (or older)';
}
