// The GitHub layer: an Octokit from the environment, the target repository, and small calls
// that take (octokit, repository, …). Every failure is a PaksError with one sentence.
export { createGitHubClient, gitHubApiUrl, gitHubToken, DEFAULT_GITHUB_API_URL, type GitHubClientOptions, type Octokit } from './client.js';
export { callGitHub, gitHubFailure, failedStatus, acceptedPermissions, fineGrainedName, missingPermission, type GitHubAction } from './errors.js';
export {
  resolveGitHubRepository,
  parseRepositoryName,
  parseRemoteUrl,
  formatRepository,
  type GitHubRepository,
  type ResolvedGitHubRepository,
  type ResolveRepositoryOptions,
} from './repository.js';
export { getRepository, getRateLimit, getAuthenticatedLogin, findRepository, createRepository, type RepositoryInfo, type RateLimit } from './repositories.js';
export { hasActionsSecret, setActionsSecret, getActionsVariable, setActionsVariable, getWorkflowPermissions, setWorkflowPermissions, type WorkflowPermissions } from './actions.js';
export { getPages, usePagesWorkflow, type PagesSite } from './pages.js';
export {
  findReleaseByTag,
  ensureRelease,
  updateRelease,
  listReleases,
  listReleaseAssets,
  uploadReleaseAsset,
  deleteReleaseAsset,
  sha256Digest,
  gitHubAssetName,
  type Release,
  type ReleaseAsset,
  type ReleaseFields,
  type EnsuredRelease,
  type AssetUpload,
  type UploadedAsset,
  type ListReleasesOptions,
} from './releases.js';
export { listTags, type Tag } from './tags.js';
export {
  listPullRequests,
  createPullRequest,
  closePullRequest,
  type PullRequest,
  type NewPullRequest,
  type ListPullRequestsOptions,
} from './pulls.js';
export { createIssueComment, ensureLabel, hasLabel, addLabels, type LabelSpec } from './issues.js';
