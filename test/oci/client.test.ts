import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { sha256Of } from '../../src/oci/digest.js';
import { OCI_MANIFEST, OCTET_STREAM } from '../../src/oci/media-types.js';
import type { Repository } from '../../src/oci/client.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { cleanup, recordingTransport, tempDir, testClient } from './support.js';

let registry: TestRegistry;
let work: string;
before(async () => {
  registry = await startRegistry();
  work = tempDir();
});
after(async () => {
  await registry.stop();
  cleanup(work);
});

const repo = (name: string): Repository => ({ registry: registry.host, repository: `paks/${name}` });

describe('RegistryClient against a real registry', () => {
  it('pushes bytes once, finds them, and reads them back verified', async () => {
    const client = testClient();
    const bytes = Buffer.from('hello registry');
    const first = await client.pushBlobBytes(repo('bytes'), bytes, OCTET_STREAM);
    assert.equal(first.pushed, true);
    assert.equal(first.digest, sha256Of(bytes));
    assert.equal((await client.pushBlobBytes(repo('bytes'), bytes, OCTET_STREAM)).pushed, false);
    assert.equal(await client.blobExists(repo('bytes'), first.digest), true);
    assert.equal(await client.blobExists(repo('bytes'), sha256Of('other')), false);
    assert.deepEqual(await client.fetchBlobBytes(repo('bytes'), first), bytes);
    await client.close();
  });

  it('streams a file up monolithically (HEAD, POST, PUT) and skips it the second time', async () => {
    const recorder = recordingTransport();
    const client = testClient(undefined, { send: recorder.send });
    const path = join(work, 'mono.bin');
    writeFileSync(path, Buffer.alloc(200_000, 3));
    const pushed = await client.pushBlobFromFile(repo('mono'), path, OCTET_STREAM);
    assert.equal(pushed.size, 200_000);
    assert.deepEqual(recorder.log.map((l) => l.split(' ')[0]), ['HEAD', 'POST', 'PUT']);
    recorder.log.length = 0;
    assert.equal((await client.pushBlobFromFile(repo('mono'), path, OCTET_STREAM)).pushed, false);
    assert.deepEqual(recorder.log.map((l) => l.split(' ')[0]), ['HEAD']);
    recorder.close();
  });

  it('uses chunked PATCH uploads above the threshold, and the content survives', async () => {
    const recorder = recordingTransport();
    const client = testClient(undefined, { send: recorder.send, upload: { chunkThreshold: 100_000, chunkSize: 64 * 1024 } });
    const path = join(work, 'chunked.bin');
    const content = Buffer.from(Array.from({ length: 300_001 }, (_, i) => i % 251));
    writeFileSync(path, content);
    const pushed = await client.pushBlobFromFile(repo('chunked'), path, OCTET_STREAM);
    assert.equal(pushed.digest, `sha256:${createHash('sha256').update(content).digest('hex')}`);
    assert.equal(recorder.log.filter((l) => l.startsWith('PATCH')).length, 5);
    const out = join(work, 'chunked.out');
    await client.fetchBlobToFile(repo('chunked'), pushed, out);
    assert.deepEqual(readFileSync(out), content);
    recorder.close();
  });

  it('pushes and reads manifests by tag and by digest, and lists tags', async () => {
    const client = testClient();
    const config = await client.pushBlobBytes(repo('manifests'), Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
    const layer = await client.pushBlobBytes(repo('manifests'), Buffer.from('layer'), OCTET_STREAM);
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: config.mediaType, digest: config.digest, size: config.size }, layers: [{ mediaType: OCTET_STREAM, digest: layer.digest, size: layer.size }] };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const put = await client.putManifest(repo('manifests'), 'v1', bytes, OCI_MANIFEST);
    await client.putManifest(repo('manifests'), 'v2', bytes, OCI_MANIFEST);
    assert.equal(put.digest, sha256Of(bytes));
    const byTag = await client.getManifest({ ...repo('manifests'), tag: 'v1' });
    assert.equal(byTag.kind, 'manifest');
    assert.equal(byTag.digest, put.digest);
    assert.equal(byTag.mediaType, OCI_MANIFEST);
    assert.deepEqual(byTag.bytes, bytes);
    const byDigest = await client.getManifest({ ...repo('manifests'), digest: put.digest });
    assert.equal(byDigest.kind === 'manifest' && byDigest.manifest.layers[0]?.digest, layer.digest);
    assert.equal(await client.manifestDigest({ ...repo('manifests'), tag: 'v2' }), put.digest);
    assert.equal(await client.manifestDigest({ ...repo('manifests'), tag: 'nope' }), undefined);
    assert.deepEqual((await client.listTags(repo('manifests'))).sort(), ['v1', 'v2']);
  });

  it('says clearly when a reference does not exist', async () => {
    const client = testClient();
    await assert.rejects(client.getManifest({ ...repo('missing'), tag: 'v1' }), (error: unknown) => {
      assert.ok(error instanceof PaksError);
      assert.equal(error.kind, 'not-found');
      assert.match(error.message, new RegExp(`Could not read ${registry.host}/paks/missing:v1: not found\\.`));
      return true;
    });
  });

  it('refuses a blob whose bytes do not match its descriptor and leaves no file behind', async () => {
    const client = testClient();
    const real = await client.pushBlobBytes(repo('verify'), Buffer.from('genuine content'), OCTET_STREAM);
    const dir = tempDir();
    const path = join(dir, 'blob');
    // Same digest, wrong size; then right size, wrong digest (served under the real digest).
    await assert.rejects(client.fetchBlobToFile(repo('verify'), { ...real, size: real.size - 1 }, path), (e: unknown) => e instanceof PaksError && e.kind === 'integrity');
    await assert.rejects(client.fetchBlobBytes(repo('verify'), { ...real, size: real.size + 5 }), (e: unknown) => e instanceof PaksError && e.kind === 'integrity');
    assert.deepEqual(readdirSync(dir), []);
    cleanup(dir);
  });

  it('checks manifest bytes against the digest it asked for', async () => {
    const recorder = recordingTransport();
    const tampering = testClient(undefined, {
      send: async (request) => {
        const response = await recorder.send(request);
        if (!request.url.pathname.includes('/manifests/') || request.method !== 'GET') return response;
        const original = await response.bytes(1 << 20);
        const altered = Buffer.from(original.toString().replace('"schemaVersion":2', '"schemaVersion": 2'));
        return { ...response, bytes: async () => altered };
      },
    });
    const client = testClient();
    const layer = await client.pushBlobBytes(repo('tamper'), Buffer.from('x'), OCTET_STREAM);
    const empty = await client.pushBlobBytes(repo('tamper'), Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: empty.mediaType, digest: empty.digest, size: 2 }, layers: [{ mediaType: OCTET_STREAM, digest: layer.digest, size: 1 }] }));
    const { digest } = await client.putManifest(repo('tamper'), 't', bytes, OCI_MANIFEST);
    await assert.rejects(tampering.getManifest({ ...repo('tamper'), digest }), (e: unknown) => e instanceof PaksError && e.kind === 'integrity' && /hashes to/.test(e.message));
    await assert.rejects(tampering.getManifest({ ...repo('tamper'), tag: 't' }), (e: unknown) => e instanceof PaksError && e.kind === 'integrity' && /announced/.test(e.message));
    recorder.close();
  });
});
