import type { Octokit } from '@octokit/rest';
import * as z from 'zod';
import { callGitHub, failedStatus } from './errors.js';
import { formatRepository, type GitHubRepository } from './repository.js';
import { parseAnswer } from './schemas.js';
import { sealForGitHub } from './sealed-box.js';

// Repository settings of GitHub Actions: secrets, variables and the workflow token's permissions.

const publicKeySchema = z.object({ key_id: z.string(), key: z.string() });
const secretSchema = z.object({ name: z.string(), updated_at: z.string() });
const variableSchema = z.object({ name: z.string(), value: z.string() });
const workflowPermissionsSchema = z.object({
  default_workflow_permissions: z.enum(['read', 'write']),
  can_approve_pull_request_reviews: z.boolean(),
});

/** Whether the repository has an Actions secret of this name (its value is never readable). */
export async function hasActionsSecret(octokit: Octokit, repository: GitHubRepository, name: string): Promise<boolean> {
  const what = `read the Actions secret ${name} of ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: 'secrets: read' }, async () => {
    try {
      parseAnswer(secretSchema, (await octokit.rest.actions.getRepoSecret({ ...repository, secret_name: name })).data, what);
      return true;
    } catch (error) {
      if (failedStatus(error) === 404) return false;
      throw error;
    }
  });
}

/**
 * Stores an Actions secret: sealed with the repository's public key before it leaves this
 * process. The value is in no message, whatever fails.
 */
export async function setActionsSecret(octokit: Octokit, repository: GitHubRepository, name: string, value: string): Promise<void> {
  const what = `set the Actions secret ${name} of ${formatRepository(repository)}`;
  await callGitHub({ what, repository, permission: 'secrets: write' }, async () => {
    const key = parseAnswer(publicKeySchema, (await octokit.rest.actions.getRepoPublicKey({ ...repository })).data, what);
    const encrypted_value = await sealForGitHub(key.key, value);
    await octokit.rest.actions.createOrUpdateRepoSecret({ ...repository, secret_name: name, encrypted_value, key_id: key.key_id });
  });
}

/** An Actions variable's value, or undefined when the repository has none of that name. */
export async function getActionsVariable(octokit: Octokit, repository: GitHubRepository, name: string): Promise<string | undefined> {
  const what = `read the Actions variable ${name} of ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: 'variables: read' }, async () => {
    try {
      return parseAnswer(variableSchema, (await octokit.rest.actions.getRepoVariable({ ...repository, name })).data, what).value;
    } catch (error) {
      if (failedStatus(error) === 404) return undefined;
      throw error;
    }
  });
}

/** Creates or updates an Actions variable. */
export async function setActionsVariable(octokit: Octokit, repository: GitHubRepository, name: string, value: string): Promise<void> {
  const what = `set the Actions variable ${name} of ${formatRepository(repository)}`;
  await callGitHub({ what, repository, permission: 'variables: write' }, async () => {
    try {
      await octokit.rest.actions.updateRepoVariable({ ...repository, name, value });
    } catch (error) {
      if (failedStatus(error) !== 404) throw error;
      await octokit.rest.actions.createRepoVariable({ ...repository, name, value });
    }
  });
}

export interface WorkflowPermissions {
  /** What GITHUB_TOKEN may do when a workflow does not say. */
  defaultPermissions: 'read' | 'write';
  /** "Allow GitHub Actions to create and approve pull requests". */
  canApprovePullRequestReviews: boolean;
}

export async function getWorkflowPermissions(octokit: Octokit, repository: GitHubRepository): Promise<WorkflowPermissions> {
  const what = `read the workflow permissions of ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: 'administration: read' }, async () => {
    const raw = parseAnswer(workflowPermissionsSchema, (await octokit.rest.actions.getGithubActionsDefaultWorkflowPermissionsRepository({ ...repository })).data, what);
    return { defaultPermissions: raw.default_workflow_permissions, canApprovePullRequestReviews: raw.can_approve_pull_request_reviews };
  });
}

export async function setWorkflowPermissions(octokit: Octokit, repository: GitHubRepository, permissions: WorkflowPermissions): Promise<void> {
  const what = `set the workflow permissions of ${formatRepository(repository)}`;
  await callGitHub({ what, repository, permission: 'administration: write' }, async () => {
    await octokit.rest.actions.setGithubActionsDefaultWorkflowPermissionsRepository({
      ...repository,
      default_workflow_permissions: permissions.defaultPermissions,
      can_approve_pull_request_reviews: permissions.canApprovePullRequestReviews,
    });
  });
}
