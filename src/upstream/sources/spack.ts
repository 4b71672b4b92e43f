/**
 * Spack's own detection for everything else: `spack versions --new PKG` reads the recipe's
 * list_url and the directory of its url, and prints the versions newer than the newest
 * checksummed one, one per line indented by two spaces (0.23 transcripts 85, 88).
 */
import type { Recipe } from '../recipe.js';
import { isPrerelease, parseVersion } from '../version.js';
import type { Candidate } from './candidate.js';

export function appliesTo(recipe: Recipe): boolean {
  return Boolean(recipe.url || recipe.listUrl || recipe.versions.some((v) => v.url));
}

/** The arguments Spack is asked with. */
export function query(recipe: Recipe): string[] {
  return ['versions', '--new', recipe.name];
}

/** Versions from Spack's output; lines that are not versions (headers, warnings, junk) are dropped. */
export function parse(stdout: string, recipe: Recipe): Candidate[] {
  const found: Candidate[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^ {2}(\S+)$/.exec(line);
    const version = match ? parseVersion(match[1]!) : undefined;
    if (!version) continue;
    found.push({ version, prerelease: isPrerelease(version), link: recipe.listUrl ?? recipe.url });
  }
  return found;
}
