import { execa } from 'execa';
import { PaksError } from '../errors.js';
import { redact } from '../redact.js';

/** A repository on GitHub (or GitHub Enterprise), as the REST API names it. */
export interface GitHubRepository {
  owner: string;
  repo: string;
}

export interface ResolvedGitHubRepository extends GitHubRepository {
  /** Where the name came from, for messages: "--github-repo", "GITHUB_REPOSITORY", "origin". */
  source: string;
}

// GitHub's rules: owners are alphanumerics and single hyphens; names also allow . and _.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

export function formatRepository(repository: GitHubRepository): string {
  return `${repository.owner}/${repository.repo}`;
}

/** `OWNER/NAME` → the repository, or undefined when it is not one. */
export function parseRepositoryName(text: string): GitHubRepository | undefined {
  const parts = text.trim().split('/');
  if (parts.length !== 2) return undefined;
  const [owner, repo] = parts as [string, string];
  if (!OWNER.test(owner) || !NAME.test(repo) || repo === '.' || repo === '..') return undefined;
  return { owner, repo: repo.replace(/\.git$/, '') };
}

/** The host and repository of a git remote URL in https, ssh or scp form; undefined otherwise. */
export function parseRemoteUrl(url: string): { host: string; repository: GitHubRepository } | undefined {
  const text = url.trim();
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(.+)$/.exec(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:'].includes(parsed.protocol)) return undefined;
    host = parsed.hostname;
    path = decodeURIComponent(parsed.pathname);
  } else if (scp && !/^[A-Za-z]$/.test(scp[1]!)) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    return undefined;
  }
  const segments = path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  if (segments.length !== 2) return undefined;
  const repository = parseRepositoryName(segments.join('/'));
  return repository ? { host: host.toLowerCase(), repository } : undefined;
}

/** Hosts whose remotes are GitHub repositories: github.com, plus the Enterprise host Actions names. */
export function gitHubHosts(env: NodeJS.ProcessEnv): Set<string> {
  const hosts = new Set(['github.com', 'www.github.com', 'ssh.github.com']);
  for (const key of ['GITHUB_SERVER_URL', 'GITHUB_API_URL']) {
    const value = env[key];
    if (!value) continue;
    try {
      const host = new URL(value).hostname.toLowerCase();
      if (host !== 'api.github.com' && host !== '127.0.0.1' && host !== 'localhost') hosts.add(host);
    } catch {
      // A malformed variable is reported where the API URL is used.
    }
  }
  return hosts;
}

export interface ResolveRepositoryOptions {
  /** The --github-repo flag. */
  flag?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** A folder inside the git checkout whose `origin` is asked last. */
  cwd: string;
}

async function originUrl(cwd: string): Promise<string | undefined> {
  const result = await execa('git', ['remote', 'get-url', 'origin'], { cwd, reject: false, env: { GIT_TERMINAL_PROMPT: '0' } });
  return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
}

/** The target repository: `--github-repo` > `GITHUB_REPOSITORY` > the `origin` remote's URL. */
export async function resolveGitHubRepository(options: ResolveRepositoryOptions): Promise<ResolvedGitHubRepository> {
  if (options.flag !== undefined) {
    const repository = parseRepositoryName(options.flag);
    if (!repository) throw new PaksError('usage', `--github-repo "${options.flag}" is not OWNER/NAME; give it as, for example, --github-repo octo-org/packages.`);
    return { ...repository, source: '--github-repo' };
  }
  const fromEnv = options.env.GITHUB_REPOSITORY;
  if (fromEnv) {
    const repository = parseRepositoryName(fromEnv);
    if (!repository) throw new PaksError('usage', `GITHUB_REPOSITORY "${fromEnv}" is not OWNER/NAME; set it like octo-org/packages or pass --github-repo.`);
    return { ...repository, source: 'GITHUB_REPOSITORY' };
  }
  const url = await originUrl(options.cwd);
  if (!url) {
    throw new PaksError('usage', `Cannot tell which GitHub repository to use: ${options.cwd} has no origin remote; pass --github-repo OWNER/NAME or set GITHUB_REPOSITORY.`);
  }
  const parsed = parseRemoteUrl(url);
  const shown = redact(url.replace(/\/\/[^@/]*@/, '//'));
  if (!parsed) {
    throw new PaksError('usage', `Cannot tell which GitHub repository to use: origin (${shown}) is not a GitHub URL; pass --github-repo OWNER/NAME or set GITHUB_REPOSITORY.`);
  }
  if (!gitHubHosts(options.env).has(parsed.host)) {
    throw new PaksError('usage', `Cannot tell which GitHub repository to use: origin (${shown}) is on ${parsed.host}, not GitHub; pass --github-repo OWNER/NAME, or set GITHUB_SERVER_URL for GitHub Enterprise.`);
  }
  return { ...parsed.repository, source: 'origin' };
}
