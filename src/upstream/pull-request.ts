/**
 * `paks update --pr`: one pull request per package and new version, each from its own
 * branch `paks/update-<pkg>-<version>` with one commit that touches only that package.
 * The work happens in a temporary git worktree, so the user's checkout is never touched.
 * Open update PRs are deduplicated, superseded ones closed, and at most --max-prs are open.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describeError, PaksError } from '../errors.js';
import {
  addLabels,
  closePullRequest,
  createPullRequest,
  getRepository,
  gitHubToken,
  listPullRequests,
  type GitHubRepository,
  type Octokit,
  type PullRequest,
} from '../github/index.js';
import { packageSettings, platformName, type CommunityRepository } from '../repo/config.js';
import { git } from '../repo/git.js';
import type { PackageRepository } from '../repository/source.js';
import type { SpackRunner } from '../spack/runner.js';
import { withTemporaryScope } from '../spack/scope.js';
import type { Reporter } from '../ui/reporter.js';
import { addUpstreamVersion, type AddedVersion } from './apply.js';
import type { DownloadOptions } from './checksum.js';
import type { PackageUpdate } from './update.js';
import { compareVersions, parseVersion } from './version.js';

export const UPDATE_LABEL = { name: 'paks-update', color: '0e8a16', description: 'A new upstream version, proposed by paks update' };
const BRANCH_PREFIX = 'paks/update-';

export interface PullRequestOptions {
  octokit: Octokit;
  repository: GitHubRepository;
  maxPrs: number;
  spack: SpackRunner;
  env: NodeJS.ProcessEnv;
  download?: DownloadOptions;
  reporter?: Reporter;
}

export function updateBranch(pkg: string, version: string): string {
  return `${BRANCH_PREFIX}${pkg}-${version}`;
}

/** The version an open update PR proposes for `pkg`, from its branch name. */
function proposedVersion(pull: PullRequest, pkg: string): string | undefined {
  const prefix = `${BRANCH_PREFIX}${pkg}-`;
  if (!pull.head.startsWith(prefix)) return undefined;
  const rest = pull.head.slice(prefix.length);
  return /^\d/.test(rest) && parseVersion(rest) ? rest : undefined;
}

export async function openUpdatePullRequests(entries: PackageUpdate[], repo: CommunityRepository, spackRepo: PackageRepository, options: PullRequestOptions): Promise<void> {
  const toplevel = (await git(repo.root, ['rev-parse', '--show-toplevel'], { env: options.env, doing: 'find the git checkout of the repository' })).stdout.trim();
  await git(toplevel, ['remote', 'get-url', 'origin'], { env: options.env, doing: 'find the origin remote that paks update --pr pushes to' });
  const baseSha = (await git(toplevel, ['rev-parse', 'HEAD'], { env: options.env, doing: 'read the current commit' })).stdout.trim();
  const current = (await git(toplevel, ['rev-parse', '--abbrev-ref', 'HEAD'], { env: options.env })).stdout.trim();
  const base = current && current !== 'HEAD' ? current : (await getRepository(options.octokit, options.repository)).defaultBranch;
  const open = (await listPullRequests(options.octokit, options.repository, { state: 'open' })).filter((p) => p.head.startsWith(BRANCH_PREFIX));
  let openCount = open.length;

  for (const entry of entries) {
    if (entry.action !== 'update available' || !entry.update) continue;
    const version = entry.update.version;
    const mine = open.filter((p) => proposedVersion(p, entry.package) !== undefined);
    const same = mine.find((p) => proposedVersion(p, entry.package) === version.text);
    const newer = mine.find((p) => compareVersions(parseVersion(proposedVersion(p, entry.package)!)!, version) > 0);
    const older = mine.filter((p) => compareVersions(parseVersion(proposedVersion(p, entry.package)!)!, version) < 0);
    const skip = (detail: string, pull?: PullRequest) => {
      entry.action = 'skipped';
      entry.detail = detail;
      if (pull) entry.pullRequest = { number: pull.number, url: pull.htmlUrl };
    };
    if (same) {
      skip(`pull request #${same.number} for ${version.text} is open`, same);
      continue;
    }
    if (newer) {
      skip(`pull request #${newer.number} proposes a newer version`, newer);
      continue;
    }
    if (older.length === 0 && openCount >= options.maxPrs) {
      skip(`${openCount} update pull requests are open (--max-prs ${options.maxPrs})`);
      continue;
    }
    const branch = updateBranch(entry.package, version.text);
    const remote = await git(toplevel, [...credentialArgs(options.env).args, 'ls-remote', '--heads', 'origin', `refs/heads/${branch}`], { env: withPushToken(options.env), check: false });
    if (remote.exitCode === 0 && remote.stdout.trim()) {
      skip(`branch ${branch} is already on origin (its pull request was closed?); delete it to propose ${version.text} again`);
      continue;
    }
    options.reporter?.info(`Proposing ${entry.package} ${version.text}`);
    try {
      const added = await commitInWorktree(toplevel, baseSha, branch, entry, spackRepo, options);
      let pullRequest: PullRequest;
      try {
        ({ pullRequest } = await createPullRequest(options.octokit, options.repository, {
          title: `${entry.package}: update to ${version.text}`,
          head: branch,
          base,
          body: pullRequestBody(entry, added, repo),
        }));
      } catch (error) {
        // No branch without its pull request: the next run proposes the version again.
        await git(toplevel, [...credentialArgs(options.env).args, 'push', '--quiet', 'origin', `:refs/heads/${branch}`], { env: withPushToken(options.env), check: false });
        throw error;
      }
      await addLabels(options.octokit, options.repository, pullRequest.number, [UPDATE_LABEL]);
      for (const old of older) {
        await closePullRequest(options.octokit, options.repository, old.number, `Superseded by #${pullRequest.number} (${entry.package} ${version.text}), opened by paks update.`);
      }
      openCount += 1 - older.length;
      entry.action = 'pull request';
      entry.added = added;
      entry.pullRequest = { number: pullRequest.number, url: pullRequest.htmlUrl };
      entry.detail = `pull request #${pullRequest.number}${older.length ? ` (closed #${older.map((p) => p.number).join(', #')})` : ''}`;
    } catch (error) {
      entry.action = 'failed';
      entry.detail = describeError(error).replace(/\.?$/, '.');
    }
  }
}

/** Adds the version in a temporary worktree at `baseSha`, commits only the package's folder, and pushes the branch. */
async function commitInWorktree(toplevel: string, baseSha: string, branch: string, entry: PackageUpdate, spackRepo: PackageRepository, options: PullRequestOptions): Promise<AddedVersion> {
  const version = entry.update!.version.text;
  const parent = await mkdtemp(join(tmpdir(), 'paks-update-'));
  const tree = join(parent, 'tree');
  const env = options.env;
  await git(toplevel, ['worktree', 'add', '--quiet', '--detach', tree, baseSha], { env, doing: 'make a temporary worktree' });
  try {
    const packageDir = relative(toplevel, join(spackRepo.packagesDir, entry.package));
    const spackRoot = join(tree, relative(toplevel, spackRepo.root));
    const added = await withTemporaryScope({ dialect: await options.spack.dialect(), repos: [spackRoot] }, (scope) =>
      addUpstreamVersion(join(tree, packageDir, 'package.py'), entry.package, entry.update!, { ...options.download, spack: scope ? options.spack.withScope(scope.dir) : options.spack }),
    );
    await git(tree, ['add', '--', packageDir], { env, doing: `stage ${packageDir}` });
    const staged = (await git(tree, ['diff', '--cached', '--name-only'], { env })).stdout.split('\n').filter(Boolean);
    if (staged.length === 0 || staged.some((file) => !file.startsWith(`${packageDir}/`))) {
      throw new PaksError('internal', `The commit for ${entry.package} ${version} would touch ${staged.join(', ') || 'nothing'}, not only ${packageDir}; nothing was pushed.`);
    }
    await git(tree, ['commit', '--quiet', '-m', `${entry.package}: add ${version}`], { env: withIdentity(env, await hasIdentity(tree, env)), doing: `commit ${entry.package} ${version}` });
    await git(tree, [...credentialArgs(env).args, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], { env: withPushToken(env), doing: `push ${branch} to origin` });
    return added;
  } finally {
    await git(toplevel, ['worktree', 'remove', '--force', tree], { env, check: false });
    await rm(parent, { recursive: true, force: true });
  }
}

// The token reaches git through a credential helper that reads it from the environment:
// never in a remote URL, an argument, or a log line.
const HELPER = '!f() { test "$1" = get || exit 0; echo username=x-access-token; echo "password=$PAKS_GIT_PUSH_TOKEN"; }; f';

function credentialArgs(env: NodeJS.ProcessEnv): { args: string[] } {
  return gitHubToken(env) ? { args: ['-c', 'credential.helper=', '-c', `credential.helper=${HELPER}`] } : { args: [] };
}

function withPushToken(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const token = gitHubToken(env);
  return token ? { ...env, PAKS_GIT_PUSH_TOKEN: token } : env;
}

async function hasIdentity(cwd: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const email = await git(cwd, ['config', 'user.email'], { env, check: false });
  return email.exitCode === 0 && email.stdout.trim() !== '';
}

/** In CI there is often no git identity: commit as GitHub Actions' bot, as other bots do. */
function withIdentity(env: NodeJS.ProcessEnv, configured: boolean): NodeJS.ProcessEnv {
  if (configured || env.GIT_AUTHOR_EMAIL) return env;
  const name = 'github-actions[bot]';
  const email = '41898282+github-actions[bot]@users.noreply.github.com';
  return { ...env, GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
}

export function pullRequestBody(entry: PackageUpdate, added: AddedVersion, repo: CommunityRepository): string {
  const settings = packageSettings(repo.config, entry.package);
  const version = entry.update!.version.text;
  const tests = settings.tests === 'none' ? 'no build-time tests' : `Spack's build-time tests (\`--test=${settings.tests}\`) and the package's stand-alone tests, if it has any`;
  return [
    `Upstream released **${entry.package} ${version}**${entry.update?.link ? `: ${entry.update.link}` : '.'}`,
    '',
    `- previous version: ${entry.current ?? 'none'}`,
    `- tarball: ${added.url}`,
    `- sha256: \`${added.sha256}\` (${added.bytes} bytes, computed from two downloads that agree)`,
    `- found by: ${entry.source === 'spack' ? "Spack's own version detection" : entry.source === 'pypi' ? 'PyPI' : 'GitHub releases/tags'}`,
    '',
    `Checks: the build workflow builds ${entry.package} ${version} on ${settings.platforms.map(platformName).join(', ')}, runs ${tests}, and once merged signs, pushes and releases it${settings.publish ? '' : ' (this package is not published)'}.`,
    '',
    'Opened by `paks update --pr`. Merging it is the review; close it to skip this version.',
  ].join('\n');
}
