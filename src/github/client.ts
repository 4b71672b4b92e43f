import { Octokit } from '@octokit/rest';
import { PaksError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { paksVersion } from '../version.js';
import { formatRepository, type GitHubRepository } from './repository.js';

export type { Octokit } from '@octokit/rest';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** The API base URL from GITHUB_API_URL (Actions and Enterprise set it), without a trailing slash. */
export function gitHubApiUrl(env: NodeJS.ProcessEnv): string {
  const value = env.GITHUB_API_URL?.trim();
  if (!value) return DEFAULT_GITHUB_API_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PaksError('settings', `GITHUB_API_URL "${value}" is not a URL; set it like https://api.github.com or https://github.example.com/api/v3.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PaksError('settings', `GITHUB_API_URL "${value}" is not an http(s) URL; set it like https://api.github.com.`);
  }
  return value.replace(/\/+$/, '');
}

/** The token from GITHUB_TOKEN, else GH_TOKEN (registered so it is redacted everywhere). */
export function gitHubToken(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim() || undefined;
  registerSecret(token);
  return token;
}

export interface GitHubClientOptions {
  env: NodeJS.ProcessEnv;
  /**
   * What the token will be used for; without it a missing token is fine (anonymous reads of
   * public repositories, with GitHub's low rate limit).
   */
  require?: { permission: string; repository?: GitHubRepository; purpose?: string };
  /** Wait before the one retry of an idempotent call that met a 5xx or a dropped connection. */
  retryDelayMs?: number;
  /** For tests: a fetch implementation. */
  fetch?: typeof globalThis.fetch;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']);

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * An Octokit for GITHUB_API_URL with the token from the environment. Idempotent calls are
 * retried once after a 5xx or a dropped connection; POSTs never are (callers that create
 * things look first, so a retry cannot duplicate).
 */
export function createGitHubClient(options: GitHubClientOptions): Octokit {
  const baseUrl = gitHubApiUrl(options.env);
  const token = gitHubToken(options.env);
  if (!token && options.require) {
    const { permission, repository, purpose } = options.require;
    const where = repository ? ` on ${formatRepository(repository)}` : '';
    throw new PaksError('auth', `No GitHub token${purpose ? ` to ${purpose}` : ''}: set GITHUB_TOKEN (or GH_TOKEN) to a token with ${permission}${where}.`, {
      hint: `In a GitHub Actions workflow: env: GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }} and permissions: ${permission}.`,
    });
  }
  const octokit = new Octokit({
    ...(token ? { auth: token } : {}),
    baseUrl,
    userAgent: `paks/${paksVersion()}`,
    log: silentLog,
    request: options.fetch ? { fetch: options.fetch } : {},
  });
  const delay = options.retryDelayMs ?? 1000;
  octokit.hook.wrap('request', async (request, endpoint) => {
    try {
      return await request(endpoint);
    } catch (error) {
      const status = (error as { status?: number; response?: unknown }).status;
      const answered = (error as { response?: unknown }).response !== undefined;
      const passing = !answered || (status !== undefined && status >= 500);
      if (!passing || !IDEMPOTENT.has(endpoint.method.toUpperCase())) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      return request(endpoint);
    }
  });
  return octokit;
}
