/**
 * GitHub releases (falling back to tags) of the project the recipe's url, list_url or git
 * points at. Applies when one of them is on github.com.
 */
import { z } from 'zod';
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

const release = z.object({
  tag_name: z.string(),
  draft: z.boolean(),
  prerelease: z.boolean(),
  html_url: z.string(),
});
const tag = z.object({ name: z.string() });

/** Versions from the releases API (`GET /repos/{owner}/{repo}/releases`): drafts never count. */
export function parseReleases(body: unknown, q: GitHubQuery): Candidate[] {
  const releases = z.array(release).parse(body);
  const found: Candidate[] = [];
  for (const r of releases) {
    if (r.draft) continue;
    const version = versionFromTag(r.tag_name, q.patterns);
    if (!version) continue;
    found.push({ version, prerelease: r.prerelease || isPrerelease(version), link: r.html_url });
  }
  return found;
}

/** Versions from the tags API (`GET /repos/{owner}/{repo}/tags`), for projects without releases. */
export function parseTags(body: unknown, q: GitHubQuery): Candidate[] {
  const tags = z.array(tag).parse(body);
  const found: Candidate[] = [];
  for (const t of tags) {
    const version = versionFromTag(t.name, q.patterns);
    if (!version) continue;
    found.push({ version, prerelease: isPrerelease(version), link: `https://github.com/${q.owner}/${q.repo}/releases/tag/${encodeURIComponent(t.name)}` });
  }
  return found;
}
