/**
 * Spack's versions and version constraints, as its documentation defines them:
 * `@1.2` is every 1.2.x (a range from 1.2 to 1.2), `@=1.2` is exactly 1.2,
 * `@1.2:1.4` is 1.2 up to any 1.4.x, `@1.2:` and `@:1.4` are open ended, and a comma
 * list accepts any of its parts.
 */

/** Names Spack orders above every numbered version (newest first). */
const INFINITY_NAMES = ['develop', 'main', 'master', 'head', 'trunk', 'stable'];

type Component = number | string;

function components(version: string): Component[] {
  return (version.match(/[0-9]+|[A-Za-z]+/g) ?? []).map((part) => (/^\d+$/.test(part) ? Number(part) : part.toLowerCase()));
}

function compareComponent(a: Component, b: Component): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const ia = typeof a === 'string' ? INFINITY_NAMES.indexOf(a) : -1;
  const ib = typeof b === 'string' ? INFINITY_NAMES.indexOf(b) : -1;
  if (ia >= 0 || ib >= 0) {
    if (ia >= 0 && ib >= 0) return ib - ia;
    return ia >= 0 ? 1 : -1;
  }
  // Numbers are newer than words (1.2.1 > 1.2rc).
  if (typeof a === 'number') return 1;
  if (typeof b === 'number') return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two concrete versions the way Spack does (negative when a is older). */
export function compareVersions(a: string, b: string): number {
  const ca = components(a);
  const cb = components(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const c = compareComponent(ca[i]!, cb[i]!);
    if (c !== 0) return c;
  }
  return ca.length - cb.length;
}

/** True when `version` is `prefix` or one of its sub-versions (1.2.3 of 1.2). */
function extends_(version: string, prefix: string): boolean {
  const cv = components(version);
  const cp = components(prefix);
  if (cp.length > cv.length) return false;
  return cp.every((c, i) => compareComponent(c, cv[i]!) === 0);
}

export type VersionConstraint =
  | { kind: 'exact'; version: string }
  | { kind: 'range'; low?: string; high?: string };

/** One part of a version list: `=1.2`, `1.2`, `1.2:1.4`, `1.2:`, `:1.4`, `:`. */
export function parseVersionConstraint(text: string): VersionConstraint {
  const part = text.trim();
  if (part.startsWith('=')) return { kind: 'exact', version: part.slice(1) };
  const colon = part.indexOf(':');
  if (colon < 0) return { kind: 'range', low: part, high: part };
  const low = part.slice(0, colon);
  const high = part.slice(colon + 1);
  return { kind: 'range', ...(low ? { low } : {}), ...(high ? { high } : {}) };
}

/** A comma list of constraints (`1.0,1.2:1.4`). */
export function parseVersionList(text: string): VersionConstraint[] {
  return text.split(',').map(parseVersionConstraint);
}

export function versionSatisfies(version: string, constraints: readonly VersionConstraint[]): boolean {
  return constraints.some((c) => {
    if (c.kind === 'exact') return version === c.version;
    if (c.low !== undefined && compareVersions(version, c.low) < 0) return false;
    if (c.high !== undefined && compareVersions(version, c.high) > 0 && !extends_(version, c.high)) return false;
    return true;
  });
}

/** A single version a constraint names (`1.2` or `=1.2`), for picking a tag; none for ranges and lists. */
export function singleVersion(constraints: readonly VersionConstraint[]): string | undefined {
  if (constraints.length !== 1) return undefined;
  const [c] = constraints;
  if (c!.kind === 'exact') return c!.version;
  return c!.low !== undefined && c!.low === c!.high ? c!.low : undefined;
}

export function formatVersionList(constraints: readonly VersionConstraint[]): string {
  return constraints
    .map((c) => (c.kind === 'exact' ? `=${c.version}` : c.low !== undefined && c.low === c.high ? c.low : `${c.low ?? ''}:${c.high ?? ''}`))
    .join(',');
}
