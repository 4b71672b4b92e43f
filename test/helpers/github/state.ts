/** The fake GitHub's in-memory world: repositories with releases, tags, pull requests, labels. */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';

export interface FakeAsset {
  id: number;
  name: string;
  label: string | null;
  contentType: string;
  data: Buffer;
  digest: string;
  createdAt: number;
}

export interface FakeRelease {
  id: number;
  tag: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  targetCommitish: string;
  makeLatest: string;
  createdAt: number;
  updatedAt: number;
  assets: FakeAsset[];
}

export interface FakeTag {
  name: string;
  sha: string;
}

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface FakePull {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  head: string;
  headSha: string;
  base: string;
  baseSha: string;
  draft: boolean;
  labels: string[];
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  createdAt: number;
}

export interface FakeRepo {
  id: number;
  owner: string;
  ownerId: number;
  name: string;
  private: boolean;
  defaultBranch: string;
  createdAt: number;
  /** The login that the token acts as (authors releases, opens pull requests). */
  actor: string;
  actorId: number;
  releases: FakeRelease[];
  tags: FakeTag[];
  pulls: FakePull[];
  labels: FakeLabel[];
  comments: FakeComment[];
  /** Branch → commit, when no `gitDir` backs the repository. */
  branches: Map<string, string>;
  /** A bare git repository standing for this one: branches and tags are read from it. */
  gitDir: string | undefined;
  nextNumber: number;
  /** Actions secrets: name → the sealed value as sent (open it with FakeGitHub.openSecret). */
  secrets: Map<string, { sealed: string; keyId: string; createdAt: number; updatedAt: number }>;
  /** Actions variables: name → value. */
  variables: Map<string, { value: string; createdAt: number; updatedAt: number }>;
  /** GitHub Pages, when turned on. */
  pages: { buildType: 'legacy' | 'workflow'; branch?: string } | undefined;
  /** Settings > Actions > General > Workflow permissions. */
  workflowPermissions: { defaultPermissions: 'read' | 'write'; canApprovePullRequestReviews: boolean };
}

export interface NewRepo {
  owner: string;
  name: string;
  private?: boolean;
  defaultBranch?: string;
  /** Bare git repository whose branches and tags this GitHub repository has (e.g. a test's origin). */
  gitDir?: string;
  tags?: (string | FakeTag)[];
  branches?: string[];
  actor?: string;
}

let nextId = 1000;
export function newId(): number {
  return ++nextId;
}

export function fakeSha(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function makeRepo(spec: NewRepo, now: number): FakeRepo {
  const defaultBranch = spec.defaultBranch ?? 'main';
  const branches = new Map<string, string>();
  for (const b of [defaultBranch, ...(spec.branches ?? [])]) branches.set(b, fakeSha(`${spec.owner}/${spec.name}:${b}`));
  return {
    id: newId(),
    owner: spec.owner,
    ownerId: newId(),
    name: spec.name,
    private: spec.private ?? false,
    defaultBranch,
    createdAt: now,
    actor: spec.actor ?? 'github-actions[bot]',
    actorId: 41898282,
    releases: [],
    tags: (spec.tags ?? []).map((t) => (typeof t === 'string' ? { name: t, sha: fakeSha(t) } : t)),
    pulls: [],
    labels: [],
    comments: [],
    branches,
    gitDir: spec.gitDir,
    nextNumber: 1,
    secrets: new Map(),
    variables: new Map(),
    pages: undefined,
    workflowPermissions: { defaultPermissions: 'read', canApprovePullRequestReviews: false },
  };
}

function git(gitDir: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The commit a branch points at, or undefined when the repository has no such branch. */
export function branchSha(repo: FakeRepo, branch: string): string | undefined {
  if (repo.gitDir) return git(repo.gitDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]) || undefined;
  return repo.branches.get(branch);
}

/** Tags, newest first. */
export function listTags(repo: FakeRepo): FakeTag[] {
  if (!repo.gitDir) return [...repo.tags].reverse();
  const out = git(repo.gitDir, ['for-each-ref', '--sort=-creatordate', '--format=%(refname:strip=2) %(objectname) %(*objectname)', 'refs/tags']) ?? '';
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, object, peeled] = line.split(' ') as [string, string, string | undefined];
      return { name, sha: peeled || object };
    });
}

/** What `create release` does for a tag that does not exist yet: make it at the target. */
export function ensureTag(repo: FakeRepo, tag: string, target: string): void {
  if (listTags(repo).some((t) => t.name === tag)) return;
  const sha = branchSha(repo, target) ?? (/^[0-9a-f]{40}$/.test(target) ? target : undefined) ?? fakeSha(`${tag}@${target}`);
  if (repo.gitDir) git(repo.gitDir, ['update-ref', `refs/tags/${tag}`, sha]);
  else repo.tags.push({ name: tag, sha });
}
