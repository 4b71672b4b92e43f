import type { Octokit } from '@octokit/rest';
import { callGitHub } from './errors.js';
import { formatRepository, type GitHubRepository } from './repository.js';
import { parseAnswer, rateLimitSchema, repositorySchema } from './schemas.js';

export interface RepositoryInfo {
  fullName: string;
  defaultBranch: string;
  private: boolean;
  htmlUrl: string;
  cloneUrl: string;
}

/** The repository as GitHub sees it (its default branch, above all). */
export async function getRepository(octokit: Octokit, repository: GitHubRepository): Promise<RepositoryInfo> {
  const what = `read the repository ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: 'contents: read' }, async () => {
    const raw = parseAnswer(repositorySchema, (await octokit.rest.repos.get({ ...repository })).data, what);
    return { fullName: raw.full_name, defaultBranch: raw.default_branch, private: raw.private, htmlUrl: raw.html_url, cloneUrl: raw.clone_url };
  });
}

export interface RateLimit {
  limit: number;
  remaining: number;
  used: number;
  reset: Date;
}

/** The core API rate limit of the token in use (this call does not count against it). */
export async function getRateLimit(octokit: Octokit): Promise<RateLimit> {
  const what = 'read the GitHub API rate limit';
  return callGitHub({ what }, async () => {
    const raw = parseAnswer(rateLimitSchema, (await octokit.rest.rateLimit.get()).data, what);
    return { limit: raw.rate.limit, remaining: raw.rate.remaining, used: raw.rate.used, reset: new Date(raw.rate.reset * 1000) };
  });
}
