import type { Octokit } from '@octokit/rest';
import { callGitHub, failedStatus, hasErrorCode } from './errors.js';
import { formatRepository, type GitHubRepository } from './repository.js';
import { issueCommentSchema, labelSchema, parseAnswer } from './schemas.js';

// Comments and labels belong to issues in GitHub's API; pull requests are issues there too.
// GITHUB_TOKEN may do these with either issues: write or pull-requests: write.
const PULLS = 'pull-requests: write';

/** Comments on an issue or pull request; returns the comment's id and web address. */
export async function createIssueComment(octokit: Octokit, repository: GitHubRepository, number: number, body: string): Promise<{ id: number; htmlUrl: string }> {
  const what = `comment on #${number} on ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: PULLS }, async () => {
    const raw = parseAnswer(issueCommentSchema, (await octokit.rest.issues.createComment({ ...repository, issue_number: number, body })).data, what);
    return { id: raw.id, htmlUrl: raw.html_url };
  });
}

export interface LabelSpec {
  name: string;
  /** Six hex digits without '#', used when the label has to be created. */
  color?: string;
  description?: string;
}

/** Whether the repository has a label of this name. */
export async function hasLabel(octokit: Octokit, repository: GitHubRepository, name: string): Promise<boolean> {
  const what = `read the label ${name} of ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: 'issues: read' }, async () => {
    try {
      parseAnswer(labelSchema, (await octokit.rest.issues.getLabel({ ...repository, name })).data, what);
      return true;
    } catch (error) {
      if (failedStatus(error) === 404) return false;
      throw error;
    }
  });
}

/** Makes sure a label exists on the repository, creating it when missing. */
export async function ensureLabel(octokit: Octokit, repository: GitHubRepository, label: LabelSpec): Promise<void> {
  const what = `create the label ${label.name} on ${formatRepository(repository)}`;
  await callGitHub({ what, repository, permission: PULLS }, async () => {
    try {
      parseAnswer(labelSchema, (await octokit.rest.issues.getLabel({ ...repository, name: label.name })).data, what);
      return;
    } catch (error) {
      if (failedStatus(error) !== 404) throw error;
    }
    try {
      await octokit.rest.issues.createLabel({
        ...repository,
        name: label.name,
        color: label.color ?? 'ededed',
        ...(label.description !== undefined ? { description: label.description } : {}),
      });
    } catch (error) {
      if (!(failedStatus(error) === 422 && hasErrorCode(error, 'already_exists'))) throw error;
    }
  });
}

/** Adds labels to an issue or pull request, creating any the repository does not have yet. */
export async function addLabels(octokit: Octokit, repository: GitHubRepository, number: number, labels: (string | LabelSpec)[]): Promise<string[]> {
  const specs = labels.map((label) => (typeof label === 'string' ? { name: label } : label));
  for (const spec of specs) await ensureLabel(octokit, repository, spec);
  const what = `label #${number} on ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: PULLS }, async () => {
    const response = await octokit.rest.issues.addLabels({ ...repository, issue_number: number, labels: specs.map((s) => s.name) });
    return response.data.map((label) => parseAnswer(labelSchema, label, what).name);
  });
}
