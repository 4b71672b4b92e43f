import { PaksError } from '../errors.js';
import { redact } from '../redact.js';
import type { GitHubRepository } from './repository.js';

/** What a GitHub call was for, so a failure reads in the user's terms. */
export interface GitHubAction {
  /** e.g. "create release zlib-v1.3 on octo/packages". */
  what: string;
  repository?: GitHubRepository;
  /** The token permission the call needs, as a workflow's `permissions:` names it. */
  permission?: string;
}

interface FailedResponse {
  status: number;
  headers: Record<string, string | number | undefined>;
  data?: unknown;
}

/** An @octokit/request-error RequestError, seen structurally. */
interface RequestFailure {
  status: number;
  message: string;
  response?: FailedResponse;
  request?: { headers?: Record<string, string | undefined>; url?: string };
  cause?: unknown;
}

export function isRequestFailure(error: unknown): error is RequestFailure {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number' && 'request' in error;
}

/** The HTTP status of a failed GitHub call, or undefined for anything else. */
export function failedStatus(error: unknown): number | undefined {
  return isRequestFailure(error) && error.response ? error.status : undefined;
}

function header(response: FailedResponse, name: string): string | undefined {
  const value = response.headers[name];
  return value === undefined ? undefined : String(value);
}

/** GitHub's own words from an error body ("Bad credentials", "Validation Failed: ..."). */
export function gitHubSaid(data: unknown): string {
  if (!data || typeof data !== 'object') return typeof data === 'string' ? data.split('\n')[0]!.slice(0, 200) : '';
  const body = data as { message?: unknown; errors?: unknown };
  const message = typeof body.message === 'string' ? body.message : '';
  const details = Array.isArray(body.errors)
    ? body.errors
        .map((e: unknown) => {
          if (typeof e === 'string') return e;
          if (!e || typeof e !== 'object') return '';
          const entry = e as Record<string, unknown>;
          if (typeof entry.message === 'string') return entry.message;
          return [entry.resource, entry.field, entry.code].filter((x) => typeof x === 'string').join(' ');
        })
        .filter(Boolean)
    : [];
  return [message, details.join('; ')].filter(Boolean).join(': ');
}

/** Whether GitHub said the error list holds `code` (e.g. "already_exists"). */
export function hasErrorCode(error: unknown, code: string): boolean {
  if (!isRequestFailure(error) || !error.response) return false;
  const data = error.response.data as { errors?: unknown } | undefined;
  return Array.isArray(data?.errors) && data.errors.some((e: unknown) => !!e && typeof e === 'object' && (e as { code?: unknown }).code === code);
}

function clock(epochSeconds: number, now: number): string {
  const at = new Date(epochSeconds * 1000);
  const minutes = Math.max(1, Math.ceil((at.getTime() - now) / 60_000));
  return `${at.toISOString().slice(11, 19)} UTC (in ${minutes} minute${minutes === 1 ? '' : 's'})`;
}

/**
 * GitHub names what a refused call needed in `X-Accepted-GitHub-Permissions`
 * ("contents=write", alternatives separated by ";"): the first, as a workflow writes it.
 */
export function acceptedPermissions(value: string | undefined): string | undefined {
  const first = value?.split(';')[0]?.split(',')[0]?.trim();
  const match = first ? /^([a-z_]+)=(read|write|admin)$/.exec(first) : null;
  return match ? `${match[1]!.replace(/_/g, '-')}: ${match[2]}` : undefined;
}

function repositoryName(action: GitHubAction): string {
  return action.repository ? `${action.repository.owner}/${action.repository.repo}` : 'the repository';
}

function sentence(text: string): string {
  return redact(text.replace(/\s+/g, ' ').trim());
}

/** One sentence for a failed GitHub call: what failed, why, and what to do. Never holds a token. */
export function gitHubFailure(error: unknown, action: GitHubAction, now: number = Date.now()): PaksError {
  if (error instanceof PaksError) return error;
  if (!isRequestFailure(error)) {
    return new PaksError('internal', sentence(`Could not ${action.what}: ${error instanceof Error ? error.message : String(error)}.`), { cause: error });
  }
  const response = error.response;
  if (!response) {
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    const host = error.request?.url ? new URL(error.request.url).origin : 'GitHub';
    return new PaksError('network', sentence(`Could not ${action.what}: ${host} did not answer (${cause}); check GITHUB_API_URL and the network.`), { cause: error });
  }
  const status = response.status;
  const said = gitHubSaid(response.data);
  const saidPart = said ? ` (${status} ${said})` : ` (${status})`;
  const remaining = header(response, 'x-ratelimit-remaining');
  const reset = Number(header(response, 'x-ratelimit-reset'));
  const retryAfter = Number(header(response, 'retry-after'));
  const authenticated = !!error.request?.headers?.authorization;

  if ((status === 403 || status === 429) && remaining === '0' && Number.isFinite(reset)) {
    return new PaksError('network', sentence(`Could not ${action.what}: the GitHub API rate limit is used up until ${clock(reset, now)}; wait until then${authenticated ? '' : ', or set GITHUB_TOKEN for a higher limit'}.`), { cause: error });
  }
  if ((status === 403 || status === 429) && Number.isFinite(retryAfter) && retryAfter > 0) {
    return new PaksError('network', sentence(`Could not ${action.what}: GitHub's secondary rate limit asks to wait ${retryAfter} seconds${saidPart}; try again after that.`), { cause: error });
  }
  if (status === 401) {
    const fix = authenticated
      ? 'set GITHUB_TOKEN or GH_TOKEN to a valid, unexpired token'
      : 'set GITHUB_TOKEN or GH_TOKEN to a token';
    const grant = action.permission ? ` with ${action.permission} on ${repositoryName(action)}` : '';
    return new PaksError('auth', sentence(`Could not ${action.what}: GitHub refused ${authenticated ? 'the token' : 'the anonymous request'}${saidPart}; ${fix}${grant}.`), { cause: error });
  }
  if (status === 403) {
    const permission = acceptedPermissions(header(response, 'x-accepted-github-permissions')) ?? action.permission;
    const grant = permission
      ? `grant the token ${permission} on ${repositoryName(action)} (in a workflow: \`permissions: ${permission}\`)`
      : `check that the token may do this on ${repositoryName(action)}`;
    return new PaksError('auth', sentence(`Could not ${action.what}: GitHub refused the token${saidPart}; ${grant}.`), { cause: error });
  }
  if (status === 404) {
    const read = action.permission?.split(':')[0] ?? 'contents';
    return new PaksError('not-found', sentence(`Could not ${action.what}: GitHub answered 404 Not Found; check that ${repositoryName(action)} exists (--github-repo, GITHUB_REPOSITORY or the origin remote) and that the token can see it (${read}: read at least).`), { cause: error });
  }
  if (status === 409 || status === 422) {
    return new PaksError('conflict', sentence(`Could not ${action.what}: GitHub refused it${saidPart}.`), { cause: error });
  }
  if (status >= 500) {
    return new PaksError('network', sentence(`Could not ${action.what}: GitHub answered ${status}${said ? ` (${said})` : ''}; try again later.`), { cause: error });
  }
  return new PaksError('network', sentence(`Could not ${action.what}: GitHub answered${saidPart}.`), { cause: error });
}

/** Runs one GitHub call and turns its failure into a PaksError sentence. */
export async function callGitHub<T>(action: GitHubAction, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw gitHubFailure(error, action);
  }
}

// How GitHub's settings page for fine-grained tokens names each permission.
const FINE_GRAINED: Record<string, string> = {
  actions: 'Actions',
  administration: 'Administration',
  contents: 'Contents',
  issues: 'Issues',
  metadata: 'Metadata',
  pages: 'Pages',
  'pull-requests': 'Pull requests',
  secrets: 'Secrets',
  variables: 'Variables',
  workflows: 'Workflows',
};

/** "secrets: write" → "Secrets: write": the permission as a fine-grained token's settings name it. */
export function fineGrainedName(permission: string): string {
  const [scope, level] = permission.split(':').map((part) => part.trim()) as [string, string | undefined];
  const name = FINE_GRAINED[scope] ?? scope.charAt(0).toUpperCase() + scope.slice(1).replace(/-/g, ' ');
  return level ? `${name}: ${level}` : name;
}

/**
 * When GitHub refused a call for want of a permission (403 without a rate limit), the
 * permission it named, else `fallback`; undefined for every other failure.
 */
export function missingPermission(error: unknown, fallback: string): string | undefined {
  const failure = error instanceof PaksError ? error.cause : error;
  if (!isRequestFailure(failure) || !failure.response || failure.status !== 403) return undefined;
  if (header(failure.response, 'x-ratelimit-remaining') === '0') return undefined;
  return fineGrainedName(acceptedPermissions(header(failure.response, 'x-accepted-github-permissions')) ?? fallback);
}
