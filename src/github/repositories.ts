import type { Octokit } from '@octokit/rest';
import { callGitHub } from './errors.js';
import { formatRepository, type GitHubRepository } from './repository.js';
import * as z from 'zod';
import { PaksError } from '../errors.js';
import { parseAnswer, rateLimitSchema, repositorySchema } from './schemas.js';

const loginSchema = z.object({ login: z.string() });

export interface RepositoryInfo {
  fullName: string;
  defaultBranch: string;
  private: boolean;
  htmlUrl: string;
  cloneUrl: string;
  /** 'User' or 'Organization'. */
  ownerType: string | undefined;
}

function repositoryInfo(raw: z.infer<typeof repositorySchema>): RepositoryInfo {
  return { fullName: raw.full_name, defaultBranch: raw.default_branch, private: raw.private, htmlUrl: raw.html_url, cloneUrl: raw.clone_url, ownerType: raw.owner?.type };
}

/** The repository as GitHub sees it (its default branch, above all). */
export async function getRepository(octokit: Octokit, repository: GitHubRepository): Promise<RepositoryInfo> {
  const what = `read the repository ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: 'contents: read' }, async () => {
    const raw = parseAnswer(repositorySchema, (await octokit.rest.repos.get({ ...repository })).data, what);
    return repositoryInfo(raw);
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

/** The login the token acts as. */
export async function getAuthenticatedLogin(octokit: Octokit): Promise<string> {
  const what = 'read who the GitHub token belongs to';
  return callGitHub({ what }, async () => parseAnswer(loginSchema, (await octokit.rest.users.getAuthenticated()).data, what).login);
}

/** Whether the repository exists and the token sees it. */
export async function findRepository(octokit: Octokit, repository: GitHubRepository): Promise<RepositoryInfo | undefined> {
  try {
    return await getRepository(octokit, repository);
  } catch (error) {
    if (error instanceof PaksError && error.kind === 'not-found') return undefined;
    throw error;
  }
}

/**
 * Creates an empty repository (no README, so the first push decides its history): under the
 * token's user when the owner is that user, else in the organization.
 */
export async function createRepository(octokit: Octokit, repository: GitHubRepository, options: { login: string; private: boolean; description?: string }): Promise<RepositoryInfo> {
  const what = `create the repository ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: 'administration: write' }, async () => {
    const fields = { name: repository.repo, private: options.private, auto_init: false, ...(options.description ? { description: options.description } : {}) };
    const response = repository.owner.toLowerCase() === options.login.toLowerCase()
      ? await octokit.rest.repos.createForAuthenticatedUser(fields)
      : await octokit.rest.repos.createInOrg({ org: repository.owner, ...fields });
    const raw = parseAnswer(repositorySchema, response.data, what);
    return repositoryInfo(raw);
  });
}
