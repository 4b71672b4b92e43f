/**
 * GitHub's JSON shapes, built from the fake's state. Every field here is one GitHub's
 * OpenAPI description documents (the server validates each response against it).
 */
import type { FakeAsset, FakeComment, FakeLabel, FakePull, FakeRelease, FakeRepo, FakeTag } from './state.js';

export interface Urls {
  /** API base, e.g. http://127.0.0.1:PORT or http://127.0.0.1:PORT/api/v3 */
  api: string;
  /** Upload base (GitHub: https://uploads.github.com). */
  uploads: string;
  /** Web base (GitHub: https://github.com). */
  web: string;
}

type Json = Record<string, unknown>;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString('base64').replace(/=+$/, '');
}

export function user(urls: Urls, login: string, id: number): Json {
  const path = encodeURIComponent(login);
  const api = `${urls.api}/users/${path}`;
  return {
    login,
    id,
    node_id: nodeId('User', id),
    avatar_url: `${urls.web}/avatars/${path}`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.web}/${path}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
    site_admin: false,
  };
}

export function repository(urls: Urls, repo: FakeRepo, full = false): Json {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}`;
  const host = new URL(urls.web).host;
  const openIssues = repo.pulls.filter((p) => p.state === 'open').length;
  const base: Json = {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: user(urls, repo.owner, repo.ownerId),
    private: repo.private,
    html_url: html,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://${host}/${repo.owner}/${repo.name}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${host}:${repo.owner}/${repo.name}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: html,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: openIssues,
    open_issues: openIssues,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    license: null,
    pushed_at: iso(repo.createdAt),
    created_at: iso(repo.createdAt),
    updated_at: iso(repo.createdAt),
  };
  if (!full) return base;
  return { ...base, network_count: 0, subscribers_count: 0 };
}

export function asset(urls: Urls, repo: FakeRepo, release: FakeRelease, a: FakeAsset): Json {
  return {
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/releases/assets/${a.id}`,
    browser_download_url: `${urls.web}/${repo.owner}/${repo.name}/releases/download/${encodeURIComponent(release.tag)}/${encodeURIComponent(a.name)}`,
    id: a.id,
    node_id: nodeId('ReleaseAsset', a.id),
    name: a.name,
    label: a.label,
    state: 'uploaded',
    content_type: a.contentType,
    size: a.data.length,
    digest: a.digest,
    download_count: 0,
    created_at: iso(a.createdAt),
    updated_at: iso(a.createdAt),
    uploader: user(urls, repo.actor, repo.actorId),
  };
}

export function release(urls: Urls, repo: FakeRepo, r: FakeRelease): Json {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    url: `${api}/releases/${r.id}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/releases/tag/${encodeURIComponent(r.tag)}`,
    assets_url: `${api}/releases/${r.id}/assets`,
    upload_url: `${urls.uploads}/repos/${repo.owner}/${repo.name}/releases/${r.id}/assets{?name,label}`,
    tarball_url: `${api}/tarball/${encodeURIComponent(r.tag)}`,
    zipball_url: `${api}/zipball/${encodeURIComponent(r.tag)}`,
    id: r.id,
    node_id: nodeId('Release', r.id),
    tag_name: r.tag,
    target_commitish: r.targetCommitish,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    published_at: r.draft ? null : iso(r.createdAt),
    author: user(urls, repo.actor, repo.actorId),
    assets: r.assets.map((a) => asset(urls, repo, r, a)),
  };
}

export function tag(urls: Urls, repo: FakeRepo, t: FakeTag): Json {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    name: t.name,
    commit: { sha: t.sha, url: `${api}/commits/${t.sha}` },
    zipball_url: `${api}/zipball/refs/tags/${encodeURIComponent(t.name)}`,
    tarball_url: `${api}/tarball/refs/tags/${encodeURIComponent(t.name)}`,
    node_id: nodeId('Tag', t.name.length * 7919 + repo.id),
  };
}

export function label(urls: Urls, repo: FakeRepo, l: FakeLabel, descriptionAsString = false): Json {
  return {
    id: l.id,
    node_id: nodeId('Label', l.id),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    // pull-request-simple documents a label's description as a plain string.
    description: descriptionAsString ? (l.description ?? '') : l.description,
    color: l.color,
    default: false,
  };
}

export function comment(urls: Urls, repo: FakeRepo, c: FakeComment): Json {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    url: `${api}/issues/comments/${c.id}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${api}/issues/${c.issue}`,
    body: c.body,
    user: user(urls, repo.actor, repo.actorId),
    author_association: 'CONTRIBUTOR',
    created_at: iso(c.createdAt),
    updated_at: iso(c.createdAt),
  };
}

/** A pull request: `full` for pulls/get, create and update; the "simple" shape for pulls/list. */
export function pull(urls: Urls, repo: FakeRepo, p: FakePull, full: boolean): Json {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const self = `${api}/pulls/${p.number}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}/pull/${p.number}`;
  const link = (href: string) => ({ href });
  const end = (ref: string, sha: string) => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: user(urls, repo.owner, repo.ownerId),
    repo: repository(urls, repo),
  });
  const labels = p.labels.map((name) => repo.labels.find((l) => l.name === name)!).map((l) => label(urls, repo, l, !full));
  const base: Json = {
    url: self,
    id: p.id,
    node_id: nodeId('PullRequest', p.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${p.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${p.number}/comments`,
    statuses_url: `${api}/statuses/${p.headSha}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: user(urls, repo.actor, repo.actorId),
    body: p.body,
    labels,
    milestone: null,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
    closed_at: p.closedAt === null ? null : iso(p.closedAt),
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: end(p.head, p.headSha),
    base: end(p.base, p.baseSha),
    _links: {
      self: link(self),
      html: link(html),
      issue: link(`${api}/issues/${p.number}`),
      comments: link(`${api}/issues/${p.number}/comments`),
      review_comments: link(`${self}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${self}/commits`),
      statuses: link(`${api}/statuses/${p.headSha}`),
    },
    author_association: 'CONTRIBUTOR',
    auto_merge: null,
    draft: p.draft,
  };
  if (!full) return base;
  return {
    ...base,
    merged: false,
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: null,
    comments: repo.comments.filter((c) => c.issue === p.number).length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

export function rateLimitOverview(limit: number, remaining: number, reset: number): Json {
  const rate = { limit, remaining, reset, used: limit - remaining };
  return { resources: { core: rate, search: { limit: 30, remaining: 30, reset, used: 0 } }, rate };
}

/** GET /user: the token's user, as `public-user` documents it (private fields left out). */
export function authenticatedUser(urls: Urls, login: string, id: number, createdAt: number): Json {
  return {
    ...user(urls, login, id),
    name: null,
    company: null,
    blog: null,
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: iso(createdAt),
    updated_at: iso(createdAt),
  };
}

export function actionsPublicKey(keyId: string, key: string): Json {
  return { key_id: keyId, key };
}

export function actionsSecret(name: string, createdAt: number, updatedAt: number): Json {
  return { name, created_at: iso(createdAt), updated_at: iso(updatedAt) };
}

export function actionsVariable(name: string, value: string, createdAt: number, updatedAt: number): Json {
  return { name, value, created_at: iso(createdAt), updated_at: iso(updatedAt) };
}

export function pages(urls: Urls, repo: FakeRepo, site: NonNullable<FakeRepo['pages']>): Json {
  return {
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/pages`,
    status: 'built',
    cname: null,
    custom_404: false,
    html_url: `https://${repo.owner.toLowerCase()}.github.io/${repo.name}/`,
    build_type: site.buildType,
    ...(site.branch ? { source: { branch: site.branch, path: '/' } } : {}),
    public: true,
    https_enforced: true,
  };
}

export function workflowPermissions(repo: FakeRepo): Json {
  return { default_workflow_permissions: repo.workflowPermissions.defaultPermissions, can_approve_pull_request_reviews: repo.workflowPermissions.canApprovePullRequestReviews };
}
