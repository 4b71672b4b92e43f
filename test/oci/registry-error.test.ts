import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { ANONYMOUS, type Credential } from '../../src/oci/auth/credentials.js';
import { registryFailure, type FailureContext } from '../../src/oci/registry-error.js';
import { TransientError } from '../../src/oci/transport/retry.js';

const token: Credential = { kind: 'basic', username: 'octo', password: 'ghp_x', source: 'GITHUB_TOKEN' };
const ghcr = (push: boolean, credential: Credential = token): FailureContext => ({ what: 'push to ghcr.io/org/zlib:1', registry: 'ghcr.io', repository: 'org/zlib', push, credential });
const paks = (e: PaksError | TransientError) => {
  assert.ok(e instanceof PaksError);
  return e;
};

describe('GHCR refusals become one sentence with a hint', () => {
  it('403 on push for a token without write:packages', () => {
    const e = paks(registryFailure(403, [{ code: 'DENIED', message: 'permission_denied: The token provided does not match expected scopes.' }], ghcr(true)));
    assert.equal(e.kind, 'auth');
    assert.equal(e.message, 'Could not push to ghcr.io/org/zlib:1: ghcr.io refused the push with the credentials from GITHUB_TOKEN. The registry said: denied: permission_denied: The token provided does not match expected scopes..');
    assert.match(e.hint ?? '', /write:packages/);
    assert.match(e.hint ?? '', /packages: write/);
  });

  it('403 on push for a package not linked to the repository', () => {
    const e = paks(registryFailure(403, [{ code: 'DENIED', message: 'permission_denied: write_package' }], ghcr(true)));
    assert.match(e.hint ?? '', /link it to the repository|Manage Actions access/);
  });

  it('401 anonymous pull of a private or missing package', () => {
    const e = paks(registryFailure(401, [{ code: 'UNAUTHORIZED', message: 'authentication required' }], { ...ghcr(false, ANONYMOUS), what: 'read ghcr.io/org/zlib:1' }));
    assert.match(e.message, /does not exist, or it is private/);
    assert.match(e.hint ?? '', /GITHUB_TOKEN/);
  });

  it('403 pull with a token that cannot see the package', () => {
    const e = paks(registryFailure(403, [{ code: 'DENIED', message: 'denied' }], { ...ghcr(false), what: 'read ghcr.io/org/zlib:1' }));
    assert.match(e.hint ?? '', /make it public|read access/);
  });

  it('401 with credentials: expired or wrong token', () => {
    const e = paks(registryFailure(401, [], ghcr(true)));
    assert.match(e.message, /did not accept the credentials from GITHUB_TOKEN/);
    assert.doesNotMatch(`${e.message}${e.hint}`, /ghp_x/);
  });
});

describe('other registry answers', () => {
  const context: FailureContext = { what: 'read r.io/a:1', registry: 'r.io', push: false, credential: ANONYMOUS };
  it('429 and 5xx are transient and carry Retry-After', () => {
    const busy = registryFailure(429, [{ code: 'TOOMANYREQUESTS', message: 'slow down' }], context, '7');
    assert.ok(busy instanceof TransientError);
    assert.equal(busy.retryAfterMs, 7000);
    assert.match(busy.error.message, /rate limiting/);
    assert.ok(registryFailure(503, [], context) instanceof TransientError);
  });
  it('a digest the registry disputes is transient and integrity', () => {
    const e = registryFailure(400, [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }], context);
    assert.ok(e instanceof TransientError);
    assert.equal(e.error.kind, 'integrity');
  });
  it('404 is not-found; anything else says the status', () => {
    assert.equal(paks(registryFailure(404, [], context)).kind, 'not-found');
    assert.match(paks(registryFailure(418, [{ code: '', message: '<html>teapot</html>' }], context)).message, /answered 418\. The registry said: <html>teapot<\/html>/);
  });
});
