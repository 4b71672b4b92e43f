import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenges, pickChallenge } from '../../src/oci/auth/challenge.js';
import { isPullOnly, mergeScopes, repositoryScope } from '../../src/oci/auth/scope.js';
import { createTokenCache } from '../../src/oci/auth/token-cache.js';

describe('WWW-Authenticate parsing', () => {
  it('reads a Bearer challenge with realm, service and scope', () => {
    const header = 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/zlib:pull"';
    assert.deepEqual(pickChallenge(header), { scheme: 'bearer', realm: 'https://ghcr.io/token', service: 'ghcr.io', scopes: ['repository:org/zlib:pull'] });
  });

  it('splits several scopes and tolerates spacing and case', () => {
    const header = 'bearer  realm = "https://auth.example/token" , scope="repository:a:pull repository:b:pull,push", error="insufficient_scope"';
    const challenge = pickChallenge(header);
    assert.equal(challenge.scheme, 'bearer');
    assert.deepEqual(challenge.scheme === 'bearer' && challenge.scopes, ['repository:a:pull', 'repository:b:pull,push']);
  });

  it('reads Basic, and prefers Bearer when both are offered', () => {
    assert.deepEqual(pickChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', realm: 'Registry Realm' });
    const both = parseChallenges('Basic realm="r", Bearer realm="https://t/token",service="s"');
    assert.deepEqual(both.map((c) => c.scheme), ['basic', 'bearer']);
    assert.equal(pickChallenge('Basic realm="r", Bearer realm="https://t/token",service="s"').scheme, 'bearer');
  });

  it('handles escaped quotes, unquoted values and token68 schemes', () => {
    const [negotiate, bearer] = parseChallenges('Negotiate abc123==, Bearer realm="a \\"quoted\\" realm",service=plain');
    assert.equal(negotiate?.scheme, 'negotiate');
    assert.deepEqual(bearer?.params, { realm: 'a "quoted" realm', service: 'plain' });
    assert.deepEqual(parseChallenges('Bearer realm=https://x.io/token'), [{ scheme: 'bearer', params: { realm: 'https://x.io/token' } }]);
  });

  it('says unknown for missing or unusable headers', () => {
    assert.equal(pickChallenge(undefined).scheme, 'unknown');
    assert.equal(pickChallenge('Bearer service="x"').scheme, 'unknown'); // no realm
    assert.equal(pickChallenge('Digest nonce="1"').scheme, 'unknown');
  });
});

describe('scopes', () => {
  it('formats and merges repository scopes', () => {
    assert.equal(repositoryScope('org/zlib', ['push', 'pull', 'pull']), 'repository:org/zlib:pull,push');
    assert.deepEqual(mergeScopes(['repository:a:pull'], ['repository:a:push', 'repository:b:pull']), ['repository:a:pull,push', 'repository:b:pull']);
    assert.deepEqual(mergeScopes(['repository:a:*', 'repository:a:pull']), ['repository:a:*']);
    assert.deepEqual(mergeScopes(['registry:catalog:*'], []), ['registry:catalog:*']);
    assert.deepEqual(mergeScopes(['repository:host:5000/a:pull']), ['repository:host:5000/a:pull']);
  });
  it('knows a pull-only request', () => {
    assert.equal(isPullOnly(['repository:a:pull']), true);
    assert.equal(isPullOnly(['repository:a:pull,push']), false);
  });
});

describe('token cache', () => {
  it('keys by host and scope set and expires tokens early', () => {
    let now = 0;
    const cache = createTokenCache(() => now);
    cache.set('ghcr.io', ['repository:a:pull', 'repository:b:pull'], 'tok', 60);
    assert.equal(cache.get('ghcr.io', ['repository:b:pull', 'repository:a:pull']), 'tok');
    assert.equal(cache.get('other.io', ['repository:a:pull', 'repository:b:pull']), undefined);
    assert.equal(cache.get('ghcr.io', ['repository:a:pull']), undefined);
    now = 49_000;
    assert.equal(cache.get('ghcr.io', ['repository:a:pull', 'repository:b:pull']), 'tok');
    now = 51_000; // 60 s minus the 10 s margin
    assert.equal(cache.get('ghcr.io', ['repository:a:pull', 'repository:b:pull']), undefined);
  });
});
