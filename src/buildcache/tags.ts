/** OCI tags for Spack binaries. Tag grammar: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}. */
import { PaksError } from '../errors.js';

const MAX_TAG = 128;
export const OCI_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

function sanitise(text: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9._-]/g, '_');
  return /^[.-]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** A tag naming one version, e.g. `1.0.0`; Spack's `git.abc=1.0` becomes `git.abc_1.0`. */
export function versionTag(version: string): string {
  const tag = sanitise(version).slice(0, MAX_TAG);
  if (tag === '') throw new PaksError('usage', 'An empty version cannot be made into an OCI tag');
  return tag;
}

/** A tag naming one build, `<version>-<hash7>`, e.g. `1.0.0-eus5xxl`; the hash part always survives. */
export function buildTag(spec: { version: string; hash: string }): string {
  const suffix = `-${spec.hash.slice(0, 7)}`;
  return versionTag(spec.version).slice(0, MAX_TAG - suffix.length) + suffix;
}
