/** Bearer tokens kept per registry host and scope set, dropped a little before they expire. */
export interface TokenCache {
  get(host: string, scopes: readonly string[]): string | undefined;
  set(host: string, scopes: readonly string[], token: string, expiresInSeconds?: number): void;
  delete(host: string, scopes: readonly string[]): void;
}

const DEFAULT_LIFETIME_S = 60; // the token spec's default when expires_in is absent
const SAFETY_MARGIN_S = 10;

export function createTokenCache(now: () => number = Date.now): TokenCache {
  const entries = new Map<string, { token: string; expiresAt: number }>();
  const key = (host: string, scopes: readonly string[]) => `${host} ${[...scopes].sort().join(' ')}`;
  return {
    get(host, scopes) {
      const entry = entries.get(key(host, scopes));
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key(host, scopes));
        return undefined;
      }
      return entry.token;
    },
    set(host, scopes, token, expiresInSeconds) {
      const lifetime = Math.max((expiresInSeconds ?? DEFAULT_LIFETIME_S) - SAFETY_MARGIN_S, 1);
      entries.set(key(host, scopes), { token, expiresAt: now() + lifetime * 1000 });
    },
    delete(host, scopes) {
      entries.delete(key(host, scopes));
    },
  };
}
