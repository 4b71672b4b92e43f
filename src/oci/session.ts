import type { Readable } from 'node:stream';
import { PaksError } from '../errors.js';
import type { Reporter } from '../ui/reporter.js';
import type { Authorizer } from './auth/authorizer.js';
import { pickChallenge } from './auth/challenge.js';
import { ANONYMOUS, type Credential } from './auth/credentials.js';
import { isPullOnly, repositoryScope } from './auth/scope.js';
import { readRegistryErrors, registryFailure } from './registry-error.js';
import { isLoopback, probeScheme, registryBaseUrl, type HttpResponse, type HttpSend } from './transport/http.js';
import { withRetry, type RetryPolicy } from './transport/retry.js';

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  registry: string;
  /** The repository the token must cover; absent for `/v2/`. */
  repository?: string;
  /** Needs `pull,push` instead of `pull`. */
  push?: boolean;
  /** Path under the registry (`/v2/...`) or an absolute URL the registry gave (upload Location). */
  target: string | URL;
  headers?: Record<string, string>;
  body?: () => Readable | Buffer;
  /** Statuses the caller handles; any other becomes a PaksError. */
  expect: readonly number[];
  /** For messages: "push sha256:… to ghcr.io/org/x". */
  what: string;
  /**
   * Retry this one request on passing failures (default). Upload steps say false: a broken
   * upload is restarted from its beginning by the caller, which then sees TransientError.
   */
  retry?: boolean;
}

/** Sends registry requests: answers auth challenges, follows redirects, retries, explains failures. */
export interface RegistrySession {
  request(request: RegistryRequest): Promise<HttpResponse>;
  baseUrl(registry: string): Promise<URL>;
  readonly retry: RetryPolicy;
  readonly reporter: Reporter | undefined;
}

const MAX_REDIRECTS = 5;

export function createRegistrySession(deps: {
  send: HttpSend;
  authorizer: Authorizer;
  retry: RetryPolicy;
  plainHttp?: boolean;
  reporter?: Reporter;
}): RegistrySession {
  // Host+scope pairs where the credentials were refused for a pull: use anonymous from then on.
  const anonymousFor = new Set<string>();
  // Loopback registries without --plain-http: one TLS probe per host, remembered.
  const schemes = new Map<string, Promise<'http' | 'https'>>();
  const baseUrl = async (registry: string): Promise<URL> => {
    if (deps.plainHttp !== undefined || !isLoopback(registry)) return registryBaseUrl(registry, deps.plainHttp ?? false);
    let scheme = schemes.get(registry);
    if (!scheme) {
      scheme = probeScheme(deps.send, registry).then(
        (found) => {
          if (found === 'http') deps.reporter?.debug(`${registry} does not speak TLS; using plain HTTP`);
          return found;
        },
        (error: unknown) => {
          schemes.delete(registry); // the next try probes again
          throw error;
        },
      );
      schemes.set(registry, scheme);
    }
    return registryBaseUrl(registry, (await scheme) === 'http');
  };

  const attempt = async (request: RegistryRequest): Promise<HttpResponse> => {
    const { registry } = request;
    const scopes = request.repository ? [repositoryScope(request.repository, request.push ? ['pull', 'push'] : ['pull'])] : [];
    const scopeKey = `${registry} ${scopes.join(' ')}`;
    const pullOnly = isPullOnly(scopes);
    let anonymous = anonymousFor.has(scopeKey);
    let authorization = deps.authorizer.known(registry, scopes, anonymous);
    let answeredChallenge = false;
    let bearerIssued = false;
    let refusedCredential: Credential | undefined;
    let url = typeof request.target === 'string' ? new URL(request.target, await baseUrl(registry)) : request.target;
    const origin = url.origin;
    let redirects = 0;

    const switchToAnonymous = async () => {
      const credential = await deps.authorizer.credential(registry);
      if (!pullOnly || anonymous || credential.kind === 'anonymous') return false;
      deps.reporter?.debug(`${registry} refused ${credential.source} for ${request.what}; trying anonymously`);
      refusedCredential = credential;
      anonymous = true;
      anonymousFor.add(scopeKey);
      authorization = deps.authorizer.known(registry, scopes, true);
      answeredChallenge = false;
      return true;
    };

    for (;;) {
      const headers: Record<string, string> = { ...request.headers };
      // Credentials go only to the registry's own origin, never to a redirect target (a CDN).
      if (authorization && url.origin === origin) headers.authorization = authorization;
      const requestInit = { method: request.method, url, headers, ...(request.body ? { body: request.body } : {}) };
      const response = await deps.send(requestInit);
      const { status } = response;

      const location = response.header('location');
      if ([301, 302, 303, 307, 308].includes(status) && location && !request.expect.includes(status)) {
        await response.discard();
        if (++redirects > MAX_REDIRECTS) throw new PaksError('registry', `Could not ${request.what}: too many redirects.`);
        url = new URL(location, url);
        continue;
      }

      if (status === 401 && !request.expect.includes(401)) {
        const challenge = pickChallenge(response.header('www-authenticate'));
        const errors = await readRegistryErrors(response);
        if (!answeredChallenge) {
          answeredChallenge = true;
          deps.authorizer.forget(registry, scopes, anonymous);
          try {
            const answer = await deps.authorizer.answer({ registry, challenge, scopes, anonymous });
            if (answer) {
              authorization = answer;
              bearerIssued = answer.startsWith('Bearer ');
              continue;
            }
          } catch (error) {
            if (!(error instanceof PaksError && error.kind === 'auth' && (await switchToAnonymous()))) throw error;
            continue;
          }
        } else if (await switchToAnonymous()) {
          continue;
        }
        throw await failure(request, response, { anonymous, refusedCredential, tokenLacksAccess: bearerIssued && answeredChallenge }, errors);
      }

      if (status === 403 && !request.expect.includes(403) && (await switchToAnonymous())) {
        await response.discard();
        continue;
      }

      if (request.expect.includes(status)) return response;
      throw await failure(request, response, { anonymous, refusedCredential, tokenLacksAccess: false }, await readRegistryErrors(response));
    }
  };

  const failure = async (
    request: RegistryRequest,
    response: HttpResponse,
    state: { anonymous: boolean; refusedCredential: Credential | undefined; tokenLacksAccess: boolean },
    errors: Awaited<ReturnType<typeof readRegistryErrors>>,
  ) => {
    const credential = state.anonymous ? ANONYMOUS : await deps.authorizer.credential(request.registry);
    return registryFailure(
      response.status,
      errors,
      {
        what: request.what,
        registry: request.registry,
        ...(request.repository ? { repository: request.repository } : {}),
        push: Boolean(request.push),
        credential,
        ...(state.refusedCredential ? { refusedCredential: state.refusedCredential } : {}),
        tokenLacksAccess: state.tokenLacksAccess,
      },
      response.header('retry-after'),
      deps.retry.now(),
    );
  };

  return {
    retry: deps.retry,
    reporter: deps.reporter,
    baseUrl,
    async request(request) {
      if (request.retry === false) return attempt(request);
      return withRetry(() => attempt(request), deps.retry, {
        what: request.what,
        host: request.registry,
        onRetry: (message) => deps.reporter?.debug(message),
      });
    },
  };
}

