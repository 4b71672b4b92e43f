import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { pullArtifact, pushArtifact } from '../../src/oci/artifact.js';
import { parseReference } from '../../src/oci/reference.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { cleanup, fastRetry, listTree, tempDir, testClient, writeTree } from './support.js';

let registry: TestRegistry;
let proxy: FaultProxy;
let cache: string;
const made: string[] = [];
const files = {
  // Over 1 MiB, so downloads are verified on the hashing worker thread.
  'build_cache/big.spack': Buffer.from(Array.from({ length: 2_600_000 }, (_, i) => (i * 7) % 256)),
  'build_cache/index.json': '{"database":{}}',
  'build_cache/x.spec.json.sig': 'signed',
};
before(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
  cache = tempDir();
  made.push(cache);
  writeTree(cache, files);
  // A clean copy to pull from, pushed straight to the registry.
  await pushArtifact({ client: testClient(), directory: cache, reference: parseReference(`${registry.host}/paks/source:1`) });
});
afterEach(() => proxy.clear());
after(async () => {
  await proxy.stop();
  await registry.stop();
  cleanup(...made);
});

const viaProxy = (name: string) => parseReference(`${proxy.host}/paks/${name}`);
const isBigBlob = (method: string) => (r: { method: string; path: string }) => r.method === method && r.path.includes('/blobs/sha256:') && !r.path.includes('44136fa355b3');
const isUpload = (method: string) => (r: { method: string; path: string }) => r.method === method && r.path.includes('/blobs/uploads/');
const out = () => {
  const dir = tempDir();
  made.push(dir);
  return dir;
};

function assertPulledCorrectly(dir: string) {
  for (const [rel, content] of Object.entries(files)) assert.deepEqual(readFileSync(join(dir, rel)), Buffer.from(content));
  assert.ok(!listTree(dir).some((p) => /paks-|partial/.test(p)), listTree(dir).join(' '));
}

describe('pull through a misbehaving network', () => {
  it('rides out 503s on the manifest', async () => {
    proxy.inject({ match: (r) => r.path.includes('/manifests/'), fault: { kind: 'status', status: 503 }, times: 2 });
    const dir = out();
    await pullArtifact({ client: testClient(), reference: viaProxy('source:1'), directory: dir });
    assertPulledCorrectly(dir);
    assert.equal(proxy.requests.filter((r) => r.fault === 'status').length, 2);
  });

  it('waits as long as a 429 Retry-After says', async () => {
    const retry = fastRetry();
    proxy.inject({ match: isBigBlob('GET'), fault: { kind: 'status', status: 429, headers: { 'retry-after': '3' } } });
    const dir = out();
    await pullArtifact({ client: testClient(undefined, { retry }), reference: viaProxy('source:1'), directory: dir });
    assertPulledCorrectly(dir);
    assert.ok(retry.sleeps.includes(3000), `slept ${retry.sleeps.join(', ')}`);
  });

  it('restarts a blob whose connection was cut half-way', async () => {
    proxy.inject({ match: isBigBlob('GET'), fault: { kind: 'reset-response', afterBytes: 1_500_000 } });
    const dir = out();
    await pullArtifact({ client: testClient(), reference: viaProxy('source:1'), directory: dir });
    assertPulledCorrectly(dir);
    assert.equal(proxy.requests.filter((r) => r.fault === 'reset-response').length, 1);
  });

  it('fails cleanly with an integrity error when a byte is flipped, leaving nothing', async () => {
    proxy.inject({ match: isBigBlob('GET'), fault: { kind: 'corrupt-response', atByte: 2_123_456 }, times: Infinity });
    const dir = out();
    await assert.rejects(pullArtifact({ client: testClient(), reference: viaProxy('source:1'), directory: dir }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.equal(error.kind, 'integrity');
      assert.match(error.message, /does not match its descriptor .*Nothing was kept/);
      return true;
    });
    assert.deepEqual(listTree(dir), []);
  });

  it('gives up on a connection that keeps breaking, with one message and no files', async () => {
    proxy.inject({ match: isBigBlob('GET'), fault: { kind: 'reset-response', afterBytes: 1000 }, times: Infinity });
    const dir = join(out(), 'fresh');
    await assert.rejects(pullArtifact({ client: testClient(), reference: viaProxy('source:1'), directory: dir }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.equal(error.kind, 'network');
      assert.match(error.message, /^Could not download blob sha256:\w+ from 127\.0\.0\.1:\d+\/paks\/source: the connection broke .*gave up after 4 attempts/);
      return true;
    });
    assert.deepEqual(listTree(join(dir, '..')), []);
  });
});

describe('push through a misbehaving network', () => {
  it('restarts an upload cut mid-blob and ends with a correct artifact', async () => {
    proxy.inject({ match: isUpload('PUT'), fault: { kind: 'reset-request', afterBytes: 200_000 } });
    const pushed = await pushArtifact({ client: testClient(), directory: cache, reference: viaProxy('reset:1') });
    assert.equal(proxy.requests.filter((r) => r.fault === 'reset-request').length, 1);
    const dir = out();
    await pullArtifact({ client: testClient(), reference: parseReference(`${registry.host}/paks/reset@${pushed.digest}`), directory: dir });
    assertPulledCorrectly(dir);
  });

  it('retries 429 and 503 answers during uploads', async () => {
    const retry = fastRetry();
    proxy.inject({ match: isUpload('POST'), fault: { kind: 'status', status: 429, headers: { 'retry-after': 'Wed, 21 Oct 2099 07:28:00 GMT' } } });
    proxy.inject({ match: isUpload('PUT'), fault: { kind: 'status', status: 503 }, times: 2 });
    // An HTTP-date far away is more than the policy waits for: it must fail with that reason...
    await assert.rejects(pushArtifact({ client: testClient(undefined, { retry }), directory: cache, reference: viaProxy('busy:1') }), /asked to wait \d+ s/);
    // ...while a short one is honoured.
    proxy.clear();
    proxy.inject({ match: isUpload('POST'), fault: { kind: 'status', status: 429, headers: { 'retry-after': '2' } } });
    proxy.inject({ match: isUpload('PUT'), fault: { kind: 'status', status: 503 }, times: 2 });
    await pushArtifact({ client: testClient(undefined, { retry }), directory: cache, reference: viaProxy('busy:1') });
    assert.ok(retry.sleeps.includes(2000));
  });

  it('re-sends a blob the registry received damaged', async () => {
    proxy.inject({ match: isUpload('PUT'), fault: { kind: 'corrupt-request', atByte: 4242 } });
    const pushed = await pushArtifact({ client: testClient(), directory: cache, reference: viaProxy('flip:1') });
    const dir = out();
    await pullArtifact({ client: testClient(), reference: parseReference(`${registry.host}/paks/flip@${pushed.digest}`), directory: dir });
    assertPulledCorrectly(dir);
  });

  it('never tags a manifest when blobs could not be pushed', async () => {
    proxy.inject({ match: isUpload('PUT'), fault: { kind: 'corrupt-request', atByte: 10 }, times: Infinity });
    await assert.rejects(pushArtifact({ client: testClient(), directory: cache, reference: viaProxy('broken:1') }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.equal(error.kind, 'integrity');
      assert.match(error.message, /received bytes that do not match their digest\..*gave up after 4 attempts/);
      return true;
    });
    assert.equal(await testClient().manifestDigest(parseReference(`${registry.host}/paks/broken:1`)), undefined);
  });

  it('reports a registry that keeps failing on the manifest, and leaves no tag', async () => {
    proxy.inject({ match: (r) => r.method === 'PUT' && r.path.includes('/manifests/'), fault: { kind: 'status', status: 503 }, times: Infinity });
    await assert.rejects(pushArtifact({ client: testClient(), directory: cache, reference: viaProxy('nomanifest:1') }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.match(error.message, /^Could not push the manifest 127\.0\.0\.1:\d+\/paks\/nomanifest:1: the registry answered 503.*gave up after 4 attempts/);
      return true;
    });
    assert.equal(await testClient().manifestDigest(parseReference(`${registry.host}/paks/nomanifest:1`)), undefined);
  });
});
