import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { backoffDelay, parseRetryAfter, retryPolicy, TransientError, withRetry } from '../../src/oci/transport/retry.js';
import { isLoopback, registryBaseUrl } from '../../src/oci/transport/http.js';

describe('retry policy', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('backs off exponentially with jitter, capped, and honours a longer Retry-After', () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 });
    assert.deepEqual([1, 2, 3, 4, 5].map((a) => backoffDelay(a, policy)), [100, 200, 400, 800, 1000]);
    const low = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    assert.equal(backoffDelay(3, low), 200);
    assert.equal(backoffDelay(1, policy, 5000), 5000);
  });

  it('retries transient failures and network resets, then succeeds', async () => {
    const sleeps: number[] = [];
    const policy = retryPolicy({ attempts: 4, baseDelayMs: 10, sleep: async (ms) => void sleeps.push(ms), random: () => 0 });
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        if (calls === 2) throw new TransientError(new PaksError('registry', 'busy'), 2000);
        return 'ok';
      },
      policy,
      { what: 'test', host: 'h' },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
    assert.deepEqual(sleeps, [5, 2000]);
  });

  it('gives up after the last attempt with the operation in the message', async () => {
    const policy = retryPolicy({ attempts: 3, sleep: async () => {} });
    await assert.rejects(
      withRetry(async () => Promise.reject(Object.assign(new Error('x'), { code: 'ETIMEDOUT' })), policy, { what: 'push blob sha256:1', host: 'ghcr.io' }),
      (error: unknown) =>
        error instanceof PaksError && error.kind === 'network' && /Could not push blob sha256:1: the connection timed out talking to ghcr.io \(gave up after 3 attempts\)/.test(error.message),
    );
  });

  it('does not retry other errors, nor wait for an unreasonable Retry-After', async () => {
    let calls = 0;
    const policy = retryPolicy({ attempts: 5, maxRetryAfterMs: 60_000, sleep: async () => {} });
    await assert.rejects(withRetry(async () => { calls++; throw new PaksError('auth', 'no'); }, policy, { what: 'x', host: 'h' }), /no/);
    assert.equal(calls, 1);
    await assert.rejects(
      withRetry(async () => { throw new TransientError(new PaksError('registry', 'Rate limited.'), 3_600_000); }, policy, { what: 'x', host: 'h' }),
      /asked to wait 3600 s/,
    );
  });
});

describe('transport scheme', () => {
  it('uses plain HTTP only for loopback unless told', () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) assert.equal(isLoopback(host), true, host);
    for (const host of ['ghcr.io', '10.0.0.1:5000', 'localhost.example.com', '127.0.0.1.nip.io']) assert.equal(isLoopback(host), false, host);
    assert.equal(registryBaseUrl('ghcr.io').href, 'https://ghcr.io/');
    assert.equal(registryBaseUrl('127.0.0.1:5000').href, 'https://127.0.0.1:5000/');
    assert.equal(registryBaseUrl('127.0.0.1:5000', true).href, 'http://127.0.0.1:5000/');
    assert.equal(registryBaseUrl('127.0.0.1:5000', false).href, 'https://127.0.0.1:5000/');
    assert.equal(registryBaseUrl('registry.lan:5000', true).href, 'http://registry.lan:5000/');
    assert.equal(registryBaseUrl('docker.io').href, 'https://registry-1.docker.io/');
  });
});

describe('network failures in words', async () => {
  const { networkFailure } = await import('../../src/oci/transport/retry.js');
  const context = { what: 'read ghcr.io/o/n:1', host: 'ghcr.io' };
  const failure = (code: string) => networkFailure(Object.assign(new Error(code), { code }), context);
  it('names the cause and the fix', () => {
    assert.match(failure('ENOTFOUND').message, /the host ghcr.io was not found/);
    assert.match(failure('ERR_SSL_WRONG_VERSION_NUMBER').hint ?? '', /--plain-http/);
    assert.match(failure('SELF_SIGNED_CERT_IN_CHAIN').hint ?? '', /NODE_EXTRA_CA_CERTS/);
    assert.match(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE').message, /certificate of ghcr.io is not trusted/);
    assert.equal(failure('ECONNRESET').kind, 'network');
  });
});

describe('probeScheme: HTTPS first on loopback', async () => {
  const { probeScheme } = await import('../../src/oci/transport/http.js');
  const failing = (code: string, message: string) => async () => {
    throw Object.assign(new Error(message), { code });
  };
  it('keeps HTTPS when the server answers, or when its certificate is the problem', async () => {
    const answered = async () => ({ status: 401, discard: async () => {} }) as never;
    assert.equal(await probeScheme(answered, '127.0.0.1:5000'), 'https');
    assert.equal(await probeScheme(failing('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), '127.0.0.1:5000'), 'https');
    assert.equal(await probeScheme(failing('ECONNREFUSED', 'connect ECONNREFUSED'), '127.0.0.1:5000'), 'https');
  });
  it('asks as a TLS probe (no certificate check, so no root store to load) with nothing but the request line', async () => {
    const sent: unknown[] = [];
    const recording = async (request: unknown) => {
      sent.push(request);
      return { status: 401, discard: async () => {} } as never;
    };
    assert.equal(await probeScheme(recording, '127.0.0.1:5000'), 'https');
    assert.deepEqual(sent, [{ method: 'GET', url: new URL('https://127.0.0.1:5000/v2/'), idleTimeoutMs: 10_000, tlsProbe: true }]);
  });
  it('falls back to HTTP only when the server does not speak TLS', async () => {
    assert.equal(await probeScheme(failing('EPROTO', 'ssl3_get_record:wrong version number'), '127.0.0.1:5000'), 'http');
    assert.equal(await probeScheme(failing('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), 'localhost:5000'), 'http');
  });
});
