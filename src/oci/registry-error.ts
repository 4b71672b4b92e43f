import { PaksError } from '../errors.js';
import { redact } from '../redact.js';
import type { Credential } from './auth/credentials.js';
import { isErrorBody } from './shape-check.js';
import type { HttpResponse } from './transport/http.js';
import { isRetryableStatus, parseRetryAfter, TransientError } from './transport/retry.js';

export interface RegistryErrorEntry {
  code: string;
  message: string;
}

/** What the failing request was for, so the message can say it in the user's terms. */
export interface FailureContext {
  /** e.g. "push sha256:ab12… to ghcr.io/org/zlib", "read ghcr.io/org/zlib:1.3". */
  what: string;
  registry: string;
  repository?: string;
  push: boolean;
  credential: Credential;
  /** The credential that was refused before Paks fell back to anonymous access. */
  refusedCredential?: Credential;
  /** A token was issued for these credentials, yet the registry refused it: no permission. */
  tokenLacksAccess?: boolean;
}

/** The error list from a failed response, parsed with the spec's schema (empty if none). */
export async function readRegistryErrors(response: HttpResponse): Promise<RegistryErrorEntry[]> {
  let text: string;
  try {
    text = (await response.bytes(64 * 1024)).toString('utf8');
  } catch {
    return [];
  }
  try {
    const json: unknown = JSON.parse(text);
    const parsed = isErrorBody(json) ? { success: true as const, data: json } : (await import('./schemas.js')).errorBodySchema.safeParse(json);
    if (parsed.success) return parsed.data.errors.map((e) => ({ code: e.code ?? '', message: e.message ?? '' }));
  } catch {
    // Not JSON (a proxy's HTML page, plain text): keep its first line.
  }
  const line = text.trim().split('\n')[0]?.slice(0, 200) ?? '';
  return line ? [{ code: '', message: line }] : [];
}

function summary(errors: RegistryErrorEntry[]): string {
  const parts = errors.map((e) => [e.code.toLowerCase(), e.message].filter(Boolean).join(': ')).filter(Boolean);
  return redact(parts.join('; '));
}

function who(credential: Credential): string {
  switch (credential.kind) {
    case 'basic':
    case 'identity-token':
      return `the credentials from ${credential.source}`;
    default:
      return 'anonymous access';
  }
}

/**
 * Turns a failed registry response into one sentence with a hint. Passing failures
 * (429, 5xx) come back as TransientError so the caller's retry loop can try again.
 */
export function registryFailure(
  answered: number,
  errors: RegistryErrorEntry[],
  context: FailureContext,
  retryAfterHeader?: string,
  now: number = Date.now(),
): PaksError | TransientError {
  let status = answered;
  const said = summary(errors);
  const saidSuffix = said ? ` The registry said: ${said}.` : '';
  const ghcr = context.registry === 'ghcr.io';
  const codes = new Set(errors.map((e) => e.code.toUpperCase()));
  const text = said.toLowerCase();

  if (isRetryableStatus(status)) {
    const busy = status === 429 ? 'the registry is rate limiting requests (429)' : `the registry answered ${status}`;
    const error = new PaksError('registry', `Could not ${context.what}: ${busy}.${saidSuffix}`, {
      hint: status === 429 ? 'Wait a few minutes, or lower --concurrency, then try again.' : 'The registry may be having trouble; try again later.',
    });
    return new TransientError(error, parseRetryAfter(retryAfterHeader, now));
  }

  if ((status === 401 || status === 403) && context.refusedCredential && context.credential.kind === 'anonymous') {
    return new PaksError('auth', `Could not ${context.what}: ${who(context.refusedCredential)} have no access to it, and anonymous access was refused too (it may also not exist).${saidSuffix}`, {
      hint: ghcr
        ? 'Give the token\'s account (or the workflow\'s repository) read access in the package settings, or make the package public.'
        : 'Ask for read access to this repository, or check the name.',
    });
  }

  if (status === 401 && context.tokenLacksAccess && context.credential.kind !== 'anonymous') status = 403;

  if (status === 401) {
    if (context.credential.kind === 'anonymous') {
      const hint = ghcr
        ? 'If the package is private, set GITHUB_TOKEN (with read:packages, or write:packages to push) or run `docker login ghcr.io`.'
        : `Set PAKS_REGISTRY_USERNAME and PAKS_REGISTRY_PASSWORD, or run \`docker login ${context.registry}\`.`;
      const what = context.push ? 'pushing needs credentials' : 'it does not exist, or it is private and needs credentials';
      return new PaksError('auth', `Could not ${context.what}: ${what}.${saidSuffix}`, { hint });
    }
    return new PaksError('auth', `Could not ${context.what}: ${context.registry} did not accept ${who(context.credential)}.${saidSuffix}`, {
      hint: ghcr
        ? 'Check the token has not expired and has the read:packages (pull) or write:packages (push) scope.'
        : 'Check the user name and password (or run `docker login` again).',
    });
  }

  if (status === 403 || codes.has('DENIED')) {
    if (ghcr && context.push) {
      const scopes = /scope/.test(text);
      return new PaksError('auth', `Could not ${context.what}: ghcr.io refused the push with ${who(context.credential)}.${saidSuffix}`, {
        hint: scopes
          ? 'The token lacks the write:packages scope: use a token with write:packages, or in GitHub Actions give the job `permissions: packages: write`.'
          : 'The token needs write:packages, and the package must allow this repository: in the package settings, link it to the repository or give the repository write access under "Manage Actions access".',
      });
    }
    if (ghcr) {
      return new PaksError('auth', `Could not ${context.what}: ghcr.io refused access with ${who(context.credential)}.${saidSuffix}`, {
        hint: 'The package is private or not visible to this token: make it public, or grant this token (or repository) read access in the package settings.',
      });
    }
    return new PaksError('auth', `Could not ${context.what}: ${context.registry} refused access with ${who(context.credential)}.${saidSuffix}`, {
      hint: context.push ? 'The account needs push (write) permission on this repository.' : 'The account needs pull (read) permission on this repository.',
    });
  }

  if (status === 404) {
    return new PaksError('not-found', `Could not ${context.what}: not found.${saidSuffix}`, {
      hint: 'Check the name and tag (names are lowercase) and that you can see the repository.',
    });
  }

  if (status === 413) {
    return new PaksError('registry', `Could not ${context.what}: the registry refused a request this large (413).${saidSuffix}`);
  }

  if (codes.has('DIGEST_INVALID') || codes.has('SIZE_INVALID')) {
    // The registry saw different bytes than we hashed: damaged on the way; worth another try.
    return new TransientError(
      new PaksError('integrity', `Could not ${context.what}: the registry received bytes that do not match their digest.${saidSuffix}`, {
        hint: 'Something between Paks and the registry altered the upload (a proxy?), or the file changed while it was being pushed.',
      }),
    );
  }

  if (codes.has('MANIFEST_BLOB_UNKNOWN') || codes.has('BLOB_UNKNOWN')) {
    return new PaksError('registry', `Could not ${context.what}: the registry does not have a blob it refers to.${saidSuffix}`, {
      hint: 'Push the missing blobs first (Paks pushes the manifest last, so this points at a registry problem).',
    });
  }

  return new PaksError('registry', `Could not ${context.what}: the registry answered ${status}.${saidSuffix}`);
}
