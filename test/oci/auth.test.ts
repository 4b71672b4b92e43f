import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { pullArtifact, pushArtifact } from '../../src/oci/artifact.js';
import { ANONYMOUS, type Credential } from '../../src/oci/auth/credentials.js';
import { parseReference } from '../../src/oci/reference.js';
import { redact } from '../../src/redact.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildCacheFiles, cleanup, listTree, tempDir, testClient, writeTree } from './support.js';

const basic = (username: string, password: string): Credential => ({ kind: 'basic', username, password, source: 'PAKS_REGISTRY_USERNAME/PAKS_REGISTRY_PASSWORD' });
const made: string[] = [];
let cache: string;
before(() => {
  cache = tempDir();
  made.push(cache);
  writeTree(cache, buildCacheFiles());
});
after(() => cleanup(...made));

/** The message and hint a person would see, checked for leaked secrets. */
function assertNoSecrets(error: PaksError, secrets: string[]): void {
  const shown = `${error.message}\n${error.hint ?? ''}`;
  for (const secret of secrets) assert.ok(!shown.includes(secret), `"${secret.slice(0, 12)}…" leaked into: ${shown}`);
  assert.equal(redact(shown), shown);
}

describe('htpasswd (Basic) registry', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({ kind: 'htpasswd', users: { ci: 's3cret-basic-pass' } });
  });
  after(() => registry.stop());

  it('pushes and pulls with the right credentials', async () => {
    const client = testClient(basic('ci', 's3cret-basic-pass'));
    const pushed = await pushArtifact({ client, directory: cache, reference: parseReference(`${registry.host}/paks/basic:1`) });
    const out = tempDir();
    made.push(out);
    const pulled = await pullArtifact({ client, reference: parseReference(`${registry.host}/paks/basic:1`), directory: out });
    assert.equal(pulled.digest, pushed.digest);
  });

  it('explains a wrong password without showing it', async () => {
    const client = testClient(basic('ci', 'wrong-password-123'));
    await assert.rejects(pushArtifact({ client, directory: cache, reference: parseReference(`${registry.host}/paks/basic:2`) }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.equal(error.kind, 'auth');
      assert.match(error.message, /did not accept the credentials from PAKS_REGISTRY_USERNAME\/PAKS_REGISTRY_PASSWORD/);
      assertNoSecrets(error, ['wrong-password-123', Buffer.from('ci:wrong-password-123').toString('base64')]);
      return true;
    });
  });

  it('tells an anonymous pusher that credentials are needed', async () => {
    const client = testClient(ANONYMOUS);
    await assert.rejects(pushArtifact({ client, directory: cache, reference: parseReference(`${registry.host}/paks/basic:3`) }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.equal(error.kind, 'auth');
      assert.match(error.message, /pushing needs credentials/);
      assert.match(error.hint ?? '', /PAKS_REGISTRY_USERNAME/);
      return true;
    });
  });
});

describe('token (Bearer) registry', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({
      kind: 'token',
      users: { pusher: 'token-user-pass', reader: 'reader-pass' },
      refreshTokens: { 'refresh-token-for-pusher': 'pusher' },
      // reader may not even pull from paks/private; anonymous may pull everything but private.
      grant: (user, repository, wanted) => {
        if (user === 'pusher') return wanted;
        if (repository === 'paks/private') return [];
        return wanted.filter((a) => a === 'pull');
      },
    });
  });
  after(() => registry.stop());

  it('trades credentials for a token with the right scope and reuses it', async () => {
    const issuer = registry.tokenIssuer!;
    const client = testClient(basic('pusher', 'token-user-pass'));
    await pushArtifact({ client, directory: cache, reference: parseReference(`${registry.host}/paks/token:1`), tags: ['latest'] });
    assert.ok(issuer.requests.length >= 1 && issuer.requests.length <= 3, `asked for ${issuer.requests.length} tokens`);
    assert.ok(issuer.requests.some((r) => r.user === 'pusher' && r.scopes.includes('repository:paks/token:pull,push')));
  });

  it('trades a docker identity token (OAuth2 refresh token) by POST', async () => {
    const client = testClient({ kind: 'identity-token', refreshToken: 'refresh-token-for-pusher', source: 'docker config.json' });
    await pushArtifact({ client, directory: cache, reference: parseReference(`${registry.host}/paks/oauth:1`) });
    assert.ok(registry.tokenIssuer!.requests.some((r) => r.user === 'pusher' && r.scopes.includes('repository:paks/oauth:pull,push')));
    const wrong = testClient({ kind: 'identity-token', refreshToken: 'expired-refresh-token', source: 'docker config.json' });
    await assert.rejects(pushArtifact({ client: wrong, directory: cache, reference: parseReference(`${registry.host}/paks/oauth:2`) }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.match(error.message, /the token service refused the credentials from docker config.json \(401\)/);
      assertNoSecrets(error, ['expired-refresh-token']);
      return true;
    });
  });

  it('pulls anonymously with a pull-only token', async () => {
    const client = testClient(ANONYMOUS);
    const out = tempDir();
    made.push(out);
    const pulled = await pullArtifact({ client, reference: parseReference(`${registry.host}/paks/token:latest`), directory: out });
    assert.equal(pulled.files.length, 6);
    assert.ok(registry.tokenIssuer!.requests.some((r) => r.user === undefined));
  });

  it('retries a refused authenticated pull anonymously (wrong password)', async () => {
    const client = testClient(basic('pusher', 'not-the-password'));
    const out = tempDir();
    made.push(out);
    const pulled = await pullArtifact({ client, reference: parseReference(`${registry.host}/paks/token:latest`), directory: out });
    assert.equal(pulled.files.length, 6);
  });

  it('retries anonymously when valid credentials lack access to the repository', async () => {
    const before = registry.tokenIssuer!.requests.length;
    const client = testClient(basic('reader', 'reader-pass'));
    const pusher = testClient(basic('pusher', 'token-user-pass'));
    await pushArtifact({ client: pusher, directory: cache, reference: parseReference(`${registry.host}/paks/shared:1`) });
    const out = tempDir();
    made.push(out);
    // The grant gives `reader` pull on paks/shared, so first prove the plain path works ...
    await pullArtifact({ client, reference: parseReference(`${registry.host}/paks/shared:1`), directory: out });
    // ... then a repository where reader gets nothing but anonymous gets nothing either.
    await pushArtifact({ client: pusher, directory: cache, reference: parseReference(`${registry.host}/paks/private:1`) });
    const issued = registry.tokenIssuer!.issued;
    const refused = tempDir();
    made.push(refused);
    await assert.rejects(pullArtifact({ client, reference: parseReference(`${registry.host}/paks/private:1`), directory: refused }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.equal(error.kind, 'auth');
      assertNoSecrets(error, [...issued, 'reader-pass']);
      return true;
    });
    const asked = registry.tokenIssuer!.requests.slice(before).filter((r) => r.user !== 'pusher' && r.scopes.some((s) => s.includes('paks/private:pull')));
    assert.deepEqual([...new Set(asked.map((r) => r.user ?? 'anonymous'))].sort(), ['anonymous', 'reader']);
  });

  it('explains a push refused for lack of permission, without tokens in the message', async () => {
    const client = testClient(basic('reader', 'reader-pass'));
    const out = tempDir();
    made.push(out);
    await assert.rejects(pushArtifact({ client, directory: cache, reference: parseReference(`${registry.host}/paks/readonly:1`) }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.equal(error.kind, 'auth');
      assert.match(error.message, /Could not (push|check)/);
      assertNoSecrets(error, [...registry.tokenIssuer!.issued, 'reader-pass']);
      return true;
    });
    assert.deepEqual(listTree(out), []);
  });
});
