import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../errors.js';
import { registerSecret } from '../../redact.js';
import type { DockerConfig } from '../schemas.js';

export type Credential =
  | { kind: 'basic'; username: string; password: string; source: string }
  /** docker's `identitytoken`: an OAuth2 refresh token traded at the token endpoint. */
  | { kind: 'identity-token'; refreshToken: string; source: string }
  | { kind: 'anonymous'; source: 'anonymous' };

export const ANONYMOUS: Credential = { kind: 'anonymous', source: 'anonymous' };

/** Finds the credential for a registry host; called once per host and remembered. */
export type CredentialProvider = (registry: string) => Promise<Credential>;

export interface CredentialSources {
  env: Record<string, string | undefined>;
  home: string;
  /** The user's GitHub name from settings, used with GITHUB_TOKEN on ghcr.io. */
  githubUsername?: string | null;
  /** Runs `docker-credential-<helper> get` with `serverUrl` on stdin; resolves to its stdout. */
  runCredentialHelper?: (helper: string, serverUrl: string) => Promise<string>;
  /** Told why a source was skipped (unreadable docker config, failing helper). */
  warn?: (message: string) => void;
}

/**
 * Credentials in this order: PAKS_REGISTRY_USERNAME/PASSWORD; GITHUB_TOKEN or GH_TOKEN for
 * ghcr.io; docker's config.json (credHelpers for the host, then `auths`, then credsStore);
 * anonymous. Every secret found is registered for redaction before it is returned.
 */
export async function resolveCredential(registry: string, sources: CredentialSources): Promise<Credential> {
  const { env } = sources;
  if (env.PAKS_REGISTRY_USERNAME && env.PAKS_REGISTRY_PASSWORD) {
    return basic(env.PAKS_REGISTRY_USERNAME, env.PAKS_REGISTRY_PASSWORD, 'PAKS_REGISTRY_USERNAME/PAKS_REGISTRY_PASSWORD');
  }
  if (registry === 'ghcr.io') {
    const token = env.GITHUB_TOKEN || env.GH_TOKEN;
    if (token) {
      const username = sources.githubUsername || env.GITHUB_ACTOR || 'paks';
      return basic(username, token, env.GITHUB_TOKEN ? 'GITHUB_TOKEN' : 'GH_TOKEN');
    }
  }
  return (await fromDockerConfig(registry, sources)) ?? ANONYMOUS;
}

/** A provider that asks each source once per registry host. */
export function createCredentialProvider(sources: CredentialSources): CredentialProvider {
  const found = new Map<string, Promise<Credential>>();
  return (registry) => {
    let credential = found.get(registry);
    if (!credential) {
      credential = resolveCredential(registry, sources);
      found.set(registry, credential);
    }
    return credential;
  };
}

export function staticCredentials(credential: Credential): CredentialProvider {
  return async () => credential;
}

function basic(username: string, password: string, source: string): Credential {
  registerSecret(password);
  registerSecret(Buffer.from(`${username}:${password}`).toString('base64'));
  return { kind: 'basic', username, password, source };
}

/** docker keys Docker Hub as `https://index.docker.io/v1/`; others by host, sometimes as URLs. */
function dockerKeyHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

function helperServerUrl(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

async function readDockerConfig(sources: CredentialSources): Promise<DockerConfig | undefined> {
  const dir = sources.env.DOCKER_CONFIG || join(sources.home, '.docker');
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = (await import('../schemas.js')).dockerConfigSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    sources.warn?.(`Ignoring ${path}: it does not look like a docker config (${parsed.error.issues[0]?.message}).`);
  } catch (error) {
    sources.warn?.(`Ignoring ${path}: it is not valid JSON (${describeError(error)}).`);
  }
  return undefined;
}

async function fromDockerConfig(registry: string, sources: CredentialSources): Promise<Credential | undefined> {
  const config = await readDockerConfig(sources);
  if (!config) return undefined;
  const helperFor = Object.entries(config.credHelpers ?? {}).find(([key]) => dockerKeyHost(key) === registry)?.[1];
  if (helperFor) {
    const credential = await fromHelper(helperFor, registry, sources);
    if (credential) return credential;
  }
  const entry = Object.entries(config.auths ?? {}).find(([key]) => dockerKeyHost(key) === registry)?.[1];
  if (entry?.identitytoken) {
    registerSecret(entry.identitytoken);
    return { kind: 'identity-token', refreshToken: entry.identitytoken, source: 'docker config.json' };
  }
  if (entry?.auth) {
    registerSecret(entry.auth);
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return basic(decoded.slice(0, colon), decoded.slice(colon + 1), 'docker config.json');
    sources.warn?.(`Ignoring the docker config entry for ${registry}: its "auth" is not base64 of user:password.`);
  }
  if (entry?.username && entry.password) return basic(entry.username, entry.password, 'docker config.json');
  if (config.credsStore) return fromHelper(config.credsStore, registry, sources);
  return undefined;
}

async function fromHelper(helper: string, registry: string, sources: CredentialSources): Promise<Credential | undefined> {
  const run = sources.runCredentialHelper ?? runCredentialHelper;
  let output: string;
  try {
    output = await run(helper, helperServerUrl(registry));
  } catch (error) {
    // "credentials not found" is the helper's normal answer for an unknown host.
    const text = describeError(error);
    if (!/not found/i.test(text)) sources.warn?.(`docker-credential-${helper} failed for ${registry}: ${text.split('\n')[0]}`);
    return undefined;
  }
  let parsed;
  try {
    parsed = (await import('../schemas.js')).credentialHelperOutputSchema.safeParse(JSON.parse(output));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    sources.warn?.(`docker-credential-${helper} gave an answer Paks cannot read for ${registry}.`);
    return undefined;
  }
  const { Username, Secret } = parsed.data;
  if (!Secret) return undefined;
  if (Username === '<token>') {
    registerSecret(Secret);
    return { kind: 'identity-token', refreshToken: Secret, source: `docker-credential-${helper}` };
  }
  return basic(Username, Secret, `docker-credential-${helper}`);
}

export async function runCredentialHelper(helper: string, serverUrl: string): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) throw new Error(`unsafe credential helper name "${helper}"`);
  const { execa } = await import('execa');
  const result = await execa(`docker-credential-${helper}`, ['get'], { input: serverUrl, timeout: 30_000, reject: false });
  if (result.exitCode !== 0) throw new Error(`${String(result.stdout || result.stderr || result.shortMessage).trim()}`);
  return String(result.stdout);
}
