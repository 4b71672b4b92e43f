import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createCredentialProvider, resolveCredential, type CredentialSources } from '../../src/oci/auth/credentials.js';
import { redact } from '../../src/redact.js';
import { cleanup, tempDir } from './support.js';

const homes: string[] = [];
after(() => cleanup(...homes));

function homeWithDockerConfig(config: unknown): string {
  const home = tempDir('paks-home-');
  homes.push(home);
  mkdirSync(join(home, '.docker'));
  writeFileSync(join(home, '.docker', 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return home;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('credential resolution order', () => {
  const home = homeWithDockerConfig({
    auths: {
      'ghcr.io': { auth: b64('dockeruser:docker-secret-1') },
      'https://index.docker.io/v1/': { auth: b64('hubuser:hub-secret-2') },
      'https://registry.example.com/v2/': { identitytoken: 'refresh-token-3' },
    },
    credHelpers: { 'helped.example.com': 'fake' },
    credsStore: 'store',
  });
  const helperCalls: string[] = [];
  const runCredentialHelper = async (helper: string, serverUrl: string) => {
    helperCalls.push(`${helper} ${serverUrl}`);
    if (helper === 'fake') return JSON.stringify({ ServerURL: serverUrl, Username: 'helped', Secret: 'helper-secret-4' });
    if (serverUrl === 'stored.example.com') return JSON.stringify({ ServerURL: serverUrl, Username: '<token>', Secret: 'stored-identity-5' });
    throw new Error('credentials not found in native keychain');
  };
  const sources = (env: Record<string, string>): CredentialSources => ({ env, home, runCredentialHelper });

  it('PAKS_REGISTRY_USERNAME/PASSWORD come first, for any registry', async () => {
    const env = { PAKS_REGISTRY_USERNAME: 'paks', PAKS_REGISTRY_PASSWORD: 'paks-secret-0', GITHUB_TOKEN: 'gh-token-9' };
    const credential = await resolveCredential('ghcr.io', sources(env));
    assert.deepEqual(credential, { kind: 'basic', username: 'paks', password: 'paks-secret-0', source: 'PAKS_REGISTRY_USERNAME/PAKS_REGISTRY_PASSWORD' });
  });

  it('GITHUB_TOKEN (then GH_TOKEN) for ghcr.io, with the settings name, then GITHUB_ACTOR', async () => {
    assert.deepEqual(await resolveCredential('ghcr.io', { ...sources({ GITHUB_TOKEN: 'gh-token-9', GITHUB_ACTOR: 'actor' }), githubUsername: 'octo' }), {
      kind: 'basic',
      username: 'octo',
      password: 'gh-token-9',
      source: 'GITHUB_TOKEN',
    });
    const viaGh = await resolveCredential('ghcr.io', sources({ GH_TOKEN: 'gh-token-8', GITHUB_ACTOR: 'actor' }));
    assert.equal(viaGh.kind === 'basic' && `${viaGh.username} ${viaGh.source}`, 'actor GH_TOKEN');
  });

  it('GITHUB_TOKEN is not sent to other registries', async () => {
    const credential = await resolveCredential('docker.io', sources({ GITHUB_TOKEN: 'gh-token-9' }));
    assert.equal(credential.kind === 'basic' && credential.username, 'hubuser');
  });

  it('then docker config auths (base64 user:password), with docker.io keyed as index.docker.io', async () => {
    const ghcr = await resolveCredential('ghcr.io', sources({}));
    assert.deepEqual(ghcr, { kind: 'basic', username: 'dockeruser', password: 'docker-secret-1', source: 'docker config.json' });
    const hub = await resolveCredential('docker.io', sources({}));
    assert.equal(hub.kind === 'basic' && hub.password, 'hub-secret-2');
  });

  it('reads identity tokens', async () => {
    assert.deepEqual(await resolveCredential('registry.example.com', sources({})), {
      kind: 'identity-token',
      refreshToken: 'refresh-token-3',
      source: 'docker config.json',
    });
  });

  it('asks credHelpers for their host, credsStore for the rest, anonymous when nothing is found', async () => {
    helperCalls.length = 0;
    const helped = await resolveCredential('helped.example.com', sources({}));
    assert.equal(helped.kind === 'basic' && `${helped.username}:${helped.password}:${helped.source}`, 'helped:helper-secret-4:docker-credential-fake');
    const stored = await resolveCredential('stored.example.com', sources({}));
    assert.equal(stored.kind === 'identity-token' && stored.refreshToken, 'stored-identity-5');
    assert.deepEqual(await resolveCredential('nothing.example.com', sources({})), { kind: 'anonymous', source: 'anonymous' });
    assert.deepEqual(helperCalls, ['fake helped.example.com', 'store stored.example.com', 'store nothing.example.com']);
  });

  it('honours DOCKER_CONFIG and survives a broken config with a warning', async () => {
    const broken = homeWithDockerConfig('{ not json');
    const warnings: string[] = [];
    const credential = await resolveCredential('ghcr.io', { env: {}, home: broken, warn: (m) => warnings.push(m) });
    assert.equal(credential.kind, 'anonymous');
    assert.match(warnings[0] ?? '', /not valid JSON/);
    const viaEnv = await resolveCredential('ghcr.io', { env: { DOCKER_CONFIG: join(home, '.docker') }, home: broken });
    assert.equal(viaEnv.kind, 'basic');
  });

  it('registers every secret it finds for redaction', async () => {
    await resolveCredential('ghcr.io', sources({ GITHUB_TOKEN: 'ghp_redactme12345' }));
    await resolveCredential('helped.example.com', sources({}));
    await resolveCredential('registry.example.com', sources({}));
    const text = redact('token ghp_redactme12345 helper helper-secret-4 refresh refresh-token-3 auth ' + b64('dockeruser:docker-secret-1'));
    assert.doesNotMatch(text, /ghp_redactme12345|helper-secret-4|refresh-token-3|docker-secret-1/);
    assert.doesNotMatch(text, new RegExp(b64('dockeruser:docker-secret-1')));
  });

  it('the provider asks once per registry', async () => {
    let calls = 0;
    const provider = createCredentialProvider({
      env: {},
      home,
      runCredentialHelper: async () => {
        calls++;
        throw new Error('credentials not found');
      },
    });
    await provider('x.example.com');
    await provider('x.example.com');
    assert.equal(calls, 1);
  });
});
