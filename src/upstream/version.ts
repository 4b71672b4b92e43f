/**
 * Versions as Spack orders them (StandardVersion): components split at `.`, `-`, `_` and at
 * letter/digit boundaries; numbers compare as numbers and beat words; the "infinity" words
 * (develop, main, master, head, trunk, stable) beat everything; a trailing alpha/beta/rc
 * (with or without a number) marks a pre-release, older than the final release.
 */

const INFINITY = ['stable', 'trunk', 'head', 'master', 'main', 'develop'];
const PRERELEASE: Record<string, number> = { alpha: 0, beta: 1, rc: 2 };
const FINAL = 3;

/** What Paks accepts as a version string at all: it goes into package.py and branch names. */
const VERSION_TEXT = /^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/;

type Component = number | string;

export interface SpackVersion {
  readonly text: string;
  readonly release: readonly Component[];
  /** [kind, number]: kind 3 is a final release. */
  readonly prerelease: readonly [number, number];
}

/** Parses a version, or undefined when the text is not one Paks would write. */
export function parseVersion(text: string): SpackVersion | undefined {
  const value = text.trim();
  if (!VERSION_TEXT.test(value) || value.includes('..') || /[._-]$/.test(value)) return undefined;
  let body = value;
  let prerelease: [number, number] = [FINAL, 0];
  const pre = /^(.*\d)[._-]*(alpha|beta|rc)[._-]*(\d*)$/.exec(value);
  if (pre) {
    body = pre[1]!;
    prerelease = [PRERELEASE[pre[2]!.toLowerCase()]!, pre[3] ? Number(pre[3]) : 0];
  }
  const release = (body.match(/[0-9]+|[A-Za-z]+/g) ?? []).map((part): Component => (/^\d+$/.test(part) ? Number(part) : part.toLowerCase()));
  if (release.length === 0) return undefined;
  return { text: value, release, prerelease };
}

export function isPrerelease(version: SpackVersion): boolean {
  return version.prerelease[0] !== FINAL;
}

/** Spack's "infinity" versions (develop, main, …) are branches, never upstream releases. */
export function isBranchVersion(version: SpackVersion): boolean {
  return version.release.length === 1 && INFINITY.includes(String(version.release[0]));
}

function compareComponent(a: Component, b: Component): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const ia = typeof a === 'string' ? INFINITY.indexOf(a) : -1;
  const ib = typeof b === 'string' ? INFINITY.indexOf(b) : -1;
  if (ia >= 0 || ib >= 0) return ia - ib;
  if (typeof a === 'number') return 1;
  if (typeof b === 'number') return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareVersions(a: SpackVersion, b: SpackVersion): number {
  const n = Math.min(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    const c = compareComponent(a.release[i]!, b.release[i]!);
    if (c !== 0) return Math.sign(c);
  }
  // Like Python tuples: the shorter one is older (1.2 < 1.2.1 < 1.2.1a).
  if (a.release.length !== b.release.length) return Math.sign(a.release.length - b.release.length);
  return Math.sign(a.prerelease[0] - b.prerelease[0] || a.prerelease[1] - b.prerelease[1]);
}

/** Newest first, like `spack versions`. */
export function sortNewestFirst(versions: readonly SpackVersion[]): SpackVersion[] {
  return [...versions].sort((a, b) => compareVersions(b, a));
}

export function newest(versions: readonly SpackVersion[]): SpackVersion | undefined {
  return sortNewestFirst(versions)[0];
}

/** Whether `version` lies in a series like "1.x", "1.2.x" or "1.2" (its leading numbers). */
export function inSeries(version: SpackVersion, series: string): boolean {
  const prefix = series.replace(/\.(x|\*)$/i, '').split('.');
  return prefix.every((part, i) => String(version.release[i] ?? '') === part);
}
