/**
 * Where a version's tarball is, from the package's own `url` (Spack's substitute_version:
 * every occurrence of the URL's version replaced), and how upstream tags spell versions.
 */
import type { Recipe } from './recipe.js';
import { parseVersion, type SpackVersion } from './version.js';

const ARCHIVE = /\.(tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz|tar\.zst|tar|zip)$/;

/** The version text written in a URL: a version of the recipe when one appears, else the last number-run of the file name. */
export function versionInUrl(url: string, known: readonly string[] = []): string | undefined {
  const file = (url.split(/[?#]/)[0] ?? '').split('/').pop() ?? '';
  const candidates = [...known].sort((a, b) => b.length - a.length);
  const inFile = candidates.find((v) => containsVersion(file, v));
  if (inFile) return inFile;
  const inUrl = candidates.find((v) => containsVersion(url, v));
  if (inUrl) return inUrl;
  const stem = file.replace(ARCHIVE, '');
  const runs = stem.match(/\d+(?:\.\d+)+(?:[-_.]?(?:alpha|beta|rc)\d*)?/g);
  return runs?.[runs.length - 1];
}

function containsVersion(text: string, version: string): boolean {
  return new RegExp(`(^|[^0-9A-Za-z.])${escape(version)}(?![0-9])`).test(text);
}

/** What Spack's default url_for_version gives, or undefined when only Spack can say (custom method, no url). */
export function urlForVersion(recipe: Recipe, version: SpackVersion): string | undefined {
  const own = recipe.versions.find((v) => v.text === version.text)?.url;
  if (own) return own;
  if (recipe.customUrlForVersion) return undefined;
  const url = recipe.url ?? pypiUrl(recipe.pypi);
  if (!url) return undefined;
  const old = versionInUrl(url, recipe.versions.map((v) => v.text));
  if (!old) return undefined;
  return url.replace(new RegExp(`(^|[^0-9A-Za-z.])${escape(old)}(?![0-9])`, 'g'), (_m, lead: string) => `${lead}${version.text}`);
}

/** Spack's PythonPackage url from `pypi = "name/name-1.0.tar.gz"`. */
export function pypiUrl(pypi: string | undefined): string | undefined {
  return pypi ? `https://files.pythonhosted.org/packages/source/${pypi[0]}/${pypi}` : undefined;
}

export interface GitHubProject {
  owner: string;
  repo: string;
}

const GITHUB_PROJECT = /^(?:https?:\/\/|git@|ssh:\/\/git@)(?:www\.)?github\.com[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?(?:[/?#]|$)/;

export function githubProject(url: string | undefined): GitHubProject | undefined {
  const match = url ? GITHUB_PROJECT.exec(url) : null;
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}

/** How a project spells a version in its tags: `v1.2.3`, `name-1.2.3`, `release_1_2_3`. */
export interface TagPattern {
  prefix: string;
  suffix: string;
  /** Separator between the version's numbers in the tag. */
  separator: '.' | '_' | '-';
}

/** The tag in a GitHub archive or release-download URL. */
export function tagInUrl(url: string): string | undefined {
  const match =
    /github\.com\/[^/]+\/[^/]+\/archive\/(?:refs\/tags\/)?(.+?)\.(?:tar\.gz|tgz|zip)$/.exec(url) ??
    /github\.com\/[^/]+\/[^/]+\/releases\/download\/([^/]+)\//.exec(url);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/** The recipe's tag pattern, learned from its URL; undefined when the URL shows no tag. */
export function tagPattern(recipe: Recipe): TagPattern | undefined {
  const url = recipe.url ?? recipe.versions.find((v) => v.url)?.url;
  const tag = url ? tagInUrl(url) : undefined;
  if (!tag) return undefined;
  for (const v of recipe.versions) {
    for (const separator of ['.', '_', '-'] as const) {
      const spelled = v.text.replace(/\./g, separator);
      const at = tag.lastIndexOf(spelled);
      if (at >= 0 && !/\d/.test(tag[at + spelled.length] ?? '') && !/\d/.test(tag[at - 1] ?? '')) {
        return { prefix: tag.slice(0, at), suffix: tag.slice(at + spelled.length), separator };
      }
    }
  }
  return undefined;
}

/** Tags that projects commonly use when the recipe's URL does not show one. */
export function commonTagPatterns(name: string, repo?: string): TagPattern[] {
  const names = [...new Set([name, repo].filter((n): n is string => Boolean(n)))];
  return [
    { prefix: 'v', suffix: '', separator: '.' },
    { prefix: '', suffix: '', separator: '.' },
    ...names.flatMap((n) => [
      { prefix: `${n}-`, suffix: '', separator: '.' as const },
      { prefix: `${n}-v`, suffix: '', separator: '.' as const },
    ]),
    { prefix: 'release-', suffix: '', separator: '.' },
    { prefix: 'release_', suffix: '', separator: '_' },
  ];
}

/** The version a tag stands for under one of the patterns; undefined for any other tag. */
export function versionFromTag(tag: string, patterns: readonly TagPattern[]): SpackVersion | undefined {
  for (const { prefix, suffix, separator } of patterns) {
    const sep = escape(separator);
    const body = `(\\d+(?:${sep}\\d+)*(?:[._-]?(?:alpha|beta|rc)[._-]?\\d*)?)`;
    const match = new RegExp(`^${escape(prefix)}${body}${escape(suffix)}$`).exec(tag);
    if (!match) continue;
    const text = separator === '.' ? match[1]! : match[1]!.replace(new RegExp(sep, 'g'), '.');
    const version = parseVersion(text);
    if (version) return version;
  }
  return undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
