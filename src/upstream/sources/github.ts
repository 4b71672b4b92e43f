/**
 * GitHub releases (falling back to tags) of the project the recipe's url, list_url or git
 * points at. Applies when one of them is on github.com.
 */
import type { Recipe } from '../recipe.js';
import { commonTagPatterns, githubProject, tagPattern, versionFromTag, type GitHubProject, type TagPattern } from '../url.js';
import { isPrerelease } from '../version.js';
import type { Candidate } from './candidate.js';

export interface GitHubQuery extends GitHubProject {
  patterns: TagPattern[];
}

export function appliesTo(recipe: Recipe): boolean {
  return query(recipe) !== undefined;
}

/** Where to ask: the owner/repo, and how its tags spell versions. */
export function query(recipe: Recipe): GitHubQuery | undefined {
  const project = githubProject(recipe.url) ?? githubProject(recipe.listUrl) ?? githubProject(recipe.git) ?? githubProject(recipe.versions.find((v) => v.url)?.url);
  if (!project) return undefined;
  const own = tagPattern(recipe);
  return { ...project, patterns: own ? [own] : commonTagPatterns(recipe.name, project.repo) };
}

/** A release as src/github lists it (already checked against GitHub's schema there). */
export interface ReleaseEntry {
  tag: string;
  draft: boolean;
  prerelease: boolean;
  htmlUrl: string;
}

/** Versions from the releases (`GET /repos/{owner}/{repo}/releases`): drafts never count. */
export function parseReleases(releases: readonly ReleaseEntry[], q: GitHubQuery): Candidate[] {
  const found: Candidate[] = [];
  for (const r of releases) {
    if (r.draft) continue;
    const version = versionFromTag(r.tag, q.patterns);
    if (!version) continue;
    found.push({ version, prerelease: r.prerelease || isPrerelease(version), link: r.htmlUrl });
  }
  return found;
}

/** Versions from the tags (`GET /repos/{owner}/{repo}/tags`), for projects without releases. */
export function parseTags(tags: readonly { name: string }[], q: GitHubQuery): Candidate[] {
  const found: Candidate[] = [];
  for (const t of tags) {
    const version = versionFromTag(t.name, q.patterns);
    if (!version) continue;
    found.push({ version, prerelease: isPrerelease(version), link: `https://github.com/${q.owner}/${q.repo}/releases/tag/${encodeURIComponent(t.name)}` });
  }
  return found;
}
