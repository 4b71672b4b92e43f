import { PaksError } from '../../errors.js';
import { registerSecret } from '../../redact.js';
import { isTokenResponse } from '../shape-check.js';
import { isLoopback, type HttpSend } from '../transport/http.js';
import { isRetryableStatus, parseRetryAfter, TransientError, withRetry, type RetryPolicy } from '../transport/retry.js';
import type { AuthChallenge } from './challenge.js';
import { ANONYMOUS, type Credential, type CredentialProvider } from './credentials.js';
import { mergeScopes } from './scope.js';
import type { TokenCache } from './token-cache.js';

/** Answers registry challenges: Basic from credentials, Bearer by trading them for a token. */
export interface Authorizer {
  /** The header to send up front when this host+scope was answered before. */
  known(registry: string, scopes: readonly string[], anonymous: boolean): string | undefined;
  /** The header that answers `challenge`, or undefined when Paks has nothing to offer. */
  answer(request: { registry: string; challenge: AuthChallenge; scopes: readonly string[]; anonymous: boolean }): Promise<string | undefined>;
  forget(registry: string, scopes: readonly string[], anonymous: boolean): void;
  credential(registry: string): Promise<Credential>;
}

export interface AuthorizerDeps {
  credentials: CredentialProvider;
  send: HttpSend;
  tokenCache: TokenCache;
  retry: RetryPolicy;
  /** Allows sending credentials to a plain-HTTP token realm that is not loopback. */
  plainHttp?: boolean;
}

export function createAuthorizer(deps: AuthorizerDeps): Authorizer {
  const basicHeaders = new Map<string, string>();
  const cacheKey = (registry: string, anonymous: boolean) => (anonymous ? `${registry}#anonymous` : registry);

  const credentialFor = async (registry: string, anonymous: boolean) => (anonymous ? ANONYMOUS : deps.credentials(registry));

  return {
    credential: (registry) => deps.credentials(registry),

    known(registry, scopes, anonymous) {
      if (!anonymous && basicHeaders.has(registry)) return basicHeaders.get(registry);
      const token = deps.tokenCache.get(cacheKey(registry, anonymous), scopes);
      return token ? `Bearer ${token}` : undefined;
    },

    forget(registry, scopes, anonymous) {
      if (!anonymous) basicHeaders.delete(registry);
      deps.tokenCache.delete(cacheKey(registry, anonymous), scopes);
    },

    async answer({ registry, challenge, scopes, anonymous }) {
      const credential = await credentialFor(registry, anonymous);
      if (challenge.scheme === 'basic') {
        if (credential.kind !== 'basic') return undefined;
        const header = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
        registerSecret(header.slice('Basic '.length));
        basicHeaders.set(registry, header);
        return header;
      }
      if (challenge.scheme !== 'bearer') return undefined;
      const wanted = mergeScopes(challenge.scopes, scopes);
      const { token, expiresIn } = await fetchToken(deps, registry, challenge.realm, challenge.service, wanted, credential);
      deps.tokenCache.set(cacheKey(registry, anonymous), scopes, token, expiresIn);
      return `Bearer ${token}`;
    },
  };
}

async function fetchToken(
  deps: AuthorizerDeps,
  registry: string,
  realm: string,
  service: string | undefined,
  scopes: readonly string[],
  credential: Credential,
): Promise<{ token: string; expiresIn?: number }> {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new PaksError('registry', `${registry} sent an authentication challenge with an invalid realm "${realm}".`);
  }
  if (credential.kind !== 'anonymous' && url.protocol !== 'https:' && !isLoopback(url.host) && !deps.plainHttp) {
    throw new PaksError('auth', `${registry} asked for credentials over plain HTTP (${url.origin}); Paks will not send them.`, {
      hint: 'Use an HTTPS token service, or pass --plain-http if this network is trusted.',
    });
  }
  const what = `get an access token for ${registry} from ${url.host}`;
  const request =
    credential.kind === 'identity-token'
      ? {
          method: 'POST' as const,
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: () => Buffer.from(oauthForm(service, scopes, credential.refreshToken)),
        }
      : {
          method: 'GET' as const,
          url: withQuery(url, service, scopes),
          headers:
            credential.kind === 'basic'
              ? { authorization: `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}` }
              : ({} as Record<string, string>),
        };

  const response = await withRetry(
    async () => {
      const res = await deps.send(request);
      if (isRetryableStatus(res.status)) {
        await res.discard();
        throw new TransientError(new PaksError('registry', `Could not ${what}: the token service answered ${res.status}.`), parseRetryAfter(res.header('retry-after'), deps.retry.now()));
      }
      return res;
    },
    deps.retry,
    { what, host: url.host },
  );
  if (response.status === 401 || response.status === 403) {
    await response.discard();
    const from = credential.kind === 'anonymous' ? 'anonymous access' : `the credentials from ${credential.source}`;
    throw new PaksError('auth', `Could not ${what}: the token service refused ${from} (${response.status}).`, {
      hint:
        registry === 'ghcr.io'
          ? 'Check GITHUB_TOKEN (or your docker login) is valid and has read:packages / write:packages.'
          : 'Check the user name and password, or run `docker login` again.',
    });
  }
  if (response.status !== 200) {
    await response.discard();
    throw new PaksError('registry', `Could not ${what}: the token service answered ${response.status}.`);
  }
  const body = (await response.bytes(1024 * 1024)).toString('utf8');
  let parsed;
  try {
    const json: unknown = JSON.parse(body);
    parsed = isTokenResponse(json) ? { success: true as const, data: json } : (await import('../schemas.js')).tokenResponseSchema.safeParse(json);
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) throw new PaksError('registry', `Could not ${what}: the token service's answer is not a token.`);
  const token = (parsed.data.token ?? parsed.data.access_token) as string;
  registerSecret(token);
  return parsed.data.expires_in === undefined ? { token } : { token, expiresIn: parsed.data.expires_in };
}

function withQuery(realm: URL, service: string | undefined, scopes: readonly string[]): URL {
  const url = new URL(realm);
  if (service) url.searchParams.set('service', service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  return url;
}

function oauthForm(service: string | undefined, scopes: readonly string[], refreshToken: string): string {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'paks' });
  if (service) form.set('service', service);
  if (scopes.length) form.set('scope', scopes.join(' '));
  return form.toString();
}
