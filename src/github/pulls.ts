import type { Octokit } from '@octokit/rest';
import { callGitHub, failedStatus } from './errors.js';
import { createIssueComment } from './issues.js';
import { formatRepository, type GitHubRepository } from './repository.js';
import { parseAnswer, pullRequestSchema } from './schemas.js';

const PULLS = 'pull-requests: write';

export interface PullRequest {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  htmlUrl: string;
  /** The branch the changes are on. */
  head: string;
  /** `owner:branch`, as the `head` filter of listPullRequests takes it. */
  headLabel: string;
  headSha: string;
  base: string;
  labels: string[];
  createdAt: string;
}

function toPullRequest(value: unknown, what: string): PullRequest {
  const raw = parseAnswer(pullRequestSchema, value, what);
  return {
    number: raw.number,
    title: raw.title,
    body: raw.body ?? '',
    state: raw.state,
    merged: raw.merged_at !== null,
    draft: raw.draft ?? false,
    htmlUrl: raw.html_url,
    head: raw.head.ref,
    headLabel: raw.head.label,
    headSha: raw.head.sha,
    base: raw.base.ref,
    labels: raw.labels.flatMap((label) => (label.name ? [label.name] : [])),
    createdAt: raw.created_at,
  };
}

export interface ListPullRequestsOptions {
  state?: 'open' | 'closed' | 'all';
  /** `owner:branch` (GitHub's filter) or a bare branch name, taken as on this repository. */
  head?: string;
  base?: string;
}

/** Pull requests across all pages (open ones unless `state` says otherwise), newest first. */
export async function listPullRequests(octokit: Octokit, repository: GitHubRepository, options: ListPullRequestsOptions = {}): Promise<PullRequest[]> {
  const what = `list the pull requests of ${formatRepository(repository)}`;
  const head = options.head === undefined || options.head.includes(':') ? options.head : `${repository.owner}:${options.head}`;
  return callGitHub({ what, repository, permission: 'pull-requests: read' }, async () => {
    const pulls: PullRequest[] = [];
    const iterator = octokit.paginate.iterator(octokit.rest.pulls.list, {
      ...repository,
      state: options.state ?? 'open',
      ...(head !== undefined ? { head } : {}),
      ...(options.base !== undefined ? { base: options.base } : {}),
      per_page: 100,
    });
    for await (const page of iterator) for (const raw of page.data) pulls.push(toPullRequest(raw, what));
    return pulls;
  });
}

export interface NewPullRequest {
  title: string;
  /** The branch with the changes (pushed already). */
  head: string;
  /** The branch to merge into, e.g. the repository's default branch. */
  base: string;
  body?: string;
  draft?: boolean;
}

/**
 * Opens a pull request. When one is already open for the same head and base, GitHub refuses a
 * second; that one is returned instead (`created: false`), so a re-run never duplicates.
 */
export async function createPullRequest(octokit: Octokit, repository: GitHubRepository, pull: NewPullRequest): Promise<{ pullRequest: PullRequest; created: boolean }> {
  const what = `open a pull request from ${pull.head} on ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: PULLS }, async () => {
    try {
      const response = await octokit.rest.pulls.create({
        ...repository,
        title: pull.title,
        head: pull.head,
        base: pull.base,
        ...(pull.body !== undefined ? { body: pull.body } : {}),
        ...(pull.draft !== undefined ? { draft: pull.draft } : {}),
      });
      return { pullRequest: toPullRequest(response.data, what), created: true };
    } catch (error) {
      const status = failedStatus(error);
      if (status !== 422 && status !== undefined && status < 500) throw error;
      const open = await listPullRequests(octokit, repository, { head: pull.head, base: pull.base });
      if (open[0]) return { pullRequest: open[0], created: false };
      throw error;
    }
  });
}

/** Closes a pull request (unmerged), optionally with a comment saying why, posted first. */
export async function closePullRequest(octokit: Octokit, repository: GitHubRepository, number: number, comment?: string): Promise<PullRequest> {
  if (comment !== undefined) await createIssueComment(octokit, repository, number, comment);
  const what = `close pull request #${number} on ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: PULLS }, async () => {
    const response = await octokit.rest.pulls.update({ ...repository, pull_number: number, state: 'closed' });
    return toPullRequest(response.data, what);
  });
}
