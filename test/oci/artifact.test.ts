import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { pullArtifact, pushArtifact } from '../../src/oci/artifact.js';
import * as mt from '../../src/oci/media-types.js';
import { parseReference } from '../../src/oci/reference.js';
import { createSilentReporter } from '../../src/ui/reporter.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildCacheFiles, cleanup, listTree, recordingTransport, tempDir, testClient, writeTree } from './support.js';

let registry: TestRegistry;
let cache: string;
const made: string[] = [];
const dir = () => {
  const path = tempDir();
  made.push(path);
  return path;
};
before(async () => {
  registry = await startRegistry();
  cache = dir();
  writeTree(cache, buildCacheFiles());
});
after(async () => {
  await registry.stop();
  cleanup(...made);
});
const ref = (text: string) => parseReference(`${registry.host}/${text}`);

describe('pushArtifact', () => {
  it('pushes one layer per file with titles, media types, empty config and annotations; manifest last', async () => {
    const recorder = recordingTransport();
    const client = testClient(undefined, { send: recorder.send });
    const reporter = createSilentReporter();
    const pushed = await pushArtifact({
      client,
      directory: cache,
      reference: ref('paks/zlib:1.3.1-abcdefg'),
      tags: ['1.3.1', 'latest'],
      source: 'https://github.com/org/repo',
      description: 'zlib build cache',
      annotations: { 'dev.paks.spack.target': 'icelake' },
      now: () => new Date('2025-01-02T03:04:05.678Z'),
      reporter,
    });
    const { manifest } = pushed;
    assert.equal(manifest.artifactType, mt.PAKS_BUILDCACHE);
    assert.deepEqual(manifest.config, mt.EMPTY_CONFIG);
    assert.deepEqual(manifest.annotations, {
      'org.opencontainers.image.created': '2025-01-02T03:04:05Z',
      'org.opencontainers.image.source': 'https://github.com/org/repo',
      'org.opencontainers.image.description': 'zlib build cache',
      'dev.paks.spack.target': 'icelake',
    });
    const byTitle = Object.fromEntries(manifest.layers.map((l) => [l.annotations?.[mt.ANNOTATION_TITLE], l.mediaType]));
    assert.deepEqual(byTitle, Object.fromEntries(Object.keys(buildCacheFiles()).sort().map((p) => [p, mt.mediaTypeForPath(p)])));
    assert.equal(pushed.blobs.pushed, 6);
    assert.deepEqual(pushed.tags, ['1.3.1-abcdefg', '1.3.1', 'latest']);
    // Manifests only after every blob; the first manifest PUT names the main tag.
    const manifestPuts = recorder.log.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('PUT') && l.includes('/manifests/'));
    const lastBlob = Math.max(...recorder.log.map((l, i) => (l.includes('/blobs/') ? i : -1)));
    assert.ok(manifestPuts.every(([, i]) => i > lastBlob));
    assert.deepEqual(manifestPuts.map(([l]) => l.split('/').pop()), ['1.3.1-abcdefg', '1.3.1', 'latest']);
    for (const tag of ['1.3.1', 'latest']) assert.equal(await client.manifestDigest(ref(`paks/zlib:${tag}`)), pushed.digest);
    assert.match(reporter.lines.join('\n'), /Pushing 6 files/);
    recorder.close();
  });

  it('pushes nothing but HEADs and the manifest when the content is unchanged', async () => {
    const recorder = recordingTransport();
    const client = testClient(undefined, { send: recorder.send });
    const again = await pushArtifact({ client, directory: cache, reference: ref('paks/zlib:again') });
    assert.deepEqual(again.blobs, { pushed: 0, existing: 6, bytesPushed: 0 });
    assert.deepEqual([...new Set(recorder.log.map((l) => l.split(' ')[0]))].sort(), ['GET', 'HEAD', 'PUT']);
    assert.equal(recorder.log.filter((l) => l.startsWith('PUT')).length, 1);
    recorder.close();
  });

  it('re-pushing unchanged content to the same tag reads its manifest and changes nothing', async () => {
    const client = testClient();
    const before = await client.manifestDigest(ref('paks/zlib:again'));
    const recorder = recordingTransport();
    const again = await pushArtifact({ client: testClient(undefined, { send: recorder.send }), directory: cache, reference: ref('paks/zlib:again'), tags: ['also'], now: () => new Date('2031-01-01T00:00:00Z') });
    assert.deepEqual(again.blobs, { pushed: 0, existing: 6, bytesPushed: 0 });
    assert.equal(again.unchanged, true);
    assert.equal(again.digest, before, 'the tag keeps its manifest, creation time and all');
    // One GET of the manifest; the only PUT points the extra tag at the same manifest.
    assert.deepEqual(recorder.log.map((l) => `${l.split(' ')[0]} ${l.split('/').pop()}`), ['GET again', 'PUT also']);
    assert.equal(await client.manifestDigest(ref('paks/zlib:also')), before);
    recorder.close();
  });

  it('pushes a new manifest when a file or an annotation changed', async () => {
    const client = testClient();
    const changed = dir();
    writeTree(changed, { ...buildCacheFiles(), 'build_cache/index.json': '{"changed":true}' });
    const first = await pushArtifact({ client, directory: changed, reference: ref('paks/changing:1') });
    const described = await pushArtifact({ client, directory: changed, reference: ref('paks/changing:1'), description: 'now with a description' });
    assert.equal(described.unchanged, false);
    assert.notEqual(described.digest, first.digest);
    writeFileSync(join(changed, 'build_cache/index.json'), '{"changed":"again"}');
    const edited = await pushArtifact({ client, directory: changed, reference: ref('paks/changing:1'), description: 'now with a description' });
    assert.equal(edited.unchanged, false);
    assert.deepEqual(edited.blobs, { pushed: 1, existing: 5, bytesPushed: '{"changed":"again"}'.length });
    assert.equal(await client.manifestDigest(ref('paks/changing:1')), edited.digest);
  });

  it('refuses symbolic links and empty directories before touching the registry', async () => {
    const withLink = dir();
    writeTree(withLink, { 'a.json': '{}' });
    symlinkSync('/etc/passwd', join(withLink, 'passwd'));
    const recorder = recordingTransport();
    const client = testClient(undefined, { send: recorder.send });
    await assert.rejects(pushArtifact({ client, directory: withLink, reference: ref('paks/bad:1') }), (e: unknown) => e instanceof PaksError && e.kind === 'usage' && /passwd is a symbolic link/.test(e.message));
    await assert.rejects(pushArtifact({ client, directory: dir(), reference: ref('paks/bad:1') }), /has no files to push/);
    await assert.rejects(pushArtifact({ client, directory: join(withLink, 'nope'), reference: ref('paks/bad:1') }), /is not a directory/);
    await assert.rejects(pushArtifact({ client, directory: cache, reference: ref('paks/bad:1'), tags: ['bad tag'] }), /not a valid tag/);
    assert.deepEqual(recorder.log, []);
    recorder.close();
  });
});

describe('pullArtifact', () => {
  it('downloads every layer to its title, byte for byte, and creates the directory', async () => {
    const client = testClient();
    const out = join(dir(), 'new', 'place');
    const pulled = await pullArtifact({ client, reference: ref('paks/zlib:latest'), directory: out });
    assert.deepEqual(pulled.files, Object.keys(buildCacheFiles()).sort());
    for (const [rel, content] of Object.entries(buildCacheFiles())) assert.deepEqual(readFileSync(join(out, rel)), Buffer.from(content));
    assert.ok(!listTree(out).some((p) => p.includes('.paks-') || p.includes('partial')));
  });

  for (const title of ['../x', '/etc/x', 'a/../../x', 'a\\..\\x', 'ok/./x']) {
    it(`refuses a manifest with the title ${JSON.stringify(title)} before downloading anything`, async () => {
      const recorder = recordingTransport();
      const client = testClient(undefined, { send: recorder.send });
      const name = `paks/evil${made.length}`;
      const good = await client.pushBlobBytes({ registry: registry.host, repository: name }, Buffer.from('fine'), mt.OCTET_STREAM);
      const evil = await client.pushBlobBytes({ registry: registry.host, repository: name }, Buffer.from('evil'), mt.OCTET_STREAM);
      await client.pushBlobBytes({ registry: registry.host, repository: name }, Buffer.from('{}'), mt.OCI_EMPTY);
      const manifest = {
        schemaVersion: 2,
        mediaType: mt.OCI_MANIFEST,
        config: mt.EMPTY_CONFIG,
        layers: [
          { mediaType: mt.OCTET_STREAM, digest: good.digest, size: good.size, annotations: { [mt.ANNOTATION_TITLE]: 'fine.txt' } },
          { mediaType: mt.OCTET_STREAM, digest: evil.digest, size: evil.size, annotations: { [mt.ANNOTATION_TITLE]: title } },
        ],
      };
      await client.putManifest({ registry: registry.host, repository: name }, 'v1', Buffer.from(JSON.stringify(manifest)), mt.OCI_MANIFEST);
      recorder.log.length = 0;
      const parent = dir();
      const out = join(parent, 'out');
      await assert.rejects(pullArtifact({ client, reference: ref(`${name}:v1`), directory: out }), (e: unknown) => {
        assert.ok(e instanceof PaksError);
        assert.equal(e.kind, 'integrity');
        assert.match(e.message, /is unsafe .*Nothing was downloaded/);
        return true;
      });
      assert.deepEqual(recorder.log.filter((l) => l.includes('/blobs/')), []);
      assert.deepEqual(listTree(parent), []);
      recorder.close();
    });
  }

  it('will not write through a symbolic link inside the target directory', async () => {
    const client = testClient();
    const out = dir();
    const outside = dir();
    symlinkSync(outside, join(out, 'build_cache'));
    await assert.rejects(pullArtifact({ client, reference: ref('paks/zlib:latest'), directory: out }), /not a directory \(a symbolic link\)/);
    assert.deepEqual(listTree(outside), []);
    assert.deepEqual(listTree(out), ['build_cache']);
  });

  it('removes everything it wrote when a layer cannot be fetched', async () => {
    const client = testClient();
    const name = 'paks/broken';
    const repo = { registry: registry.host, repository: name };
    const layers = [];
    for (const [title, content] of [['a/one.txt', 'one'], ['b/two.txt', 'two'], ['three.txt', 'three']] as const) {
      const blob = await client.pushBlobBytes(repo, Buffer.from(content), mt.OCTET_STREAM);
      layers.push({ mediaType: blob.mediaType, digest: blob.digest, size: blob.size, annotations: { [mt.ANNOTATION_TITLE]: title } });
    }
    await client.pushBlobBytes(repo, Buffer.from('{}'), mt.OCI_EMPTY);
    await client.putManifest(repo, 'v1', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mt.OCI_MANIFEST, config: mt.EMPTY_CONFIG, layers })), mt.OCI_MANIFEST);
    await deleteBlob(name, layers[1]!.digest);
    const out = dir();
    writeFileSync(join(out, 'mine.txt'), 'keep me');
    mkdirSync(join(out, 'a'));
    await assert.rejects(pullArtifact({ client, reference: ref(`${name}:v1`), directory: out }), (e: unknown) => e instanceof PaksError && e.kind === 'not-found');
    assert.deepEqual(listTree(out), ['a', 'mine.txt']);
    assert.equal(existsSync(join(out, 'three.txt')), false);
  });
});

function deleteBlob(repository: string, digest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`http://${registry.host}/v2/${repository}/blobs/${digest}`, { method: 'DELETE' }, (res) => {
      res.resume();
      if (res.statusCode === 202) resolve();
      else reject(new Error(`DELETE answered ${res.statusCode}`));
    });
    req.on('error', reject);
    req.end();
  });
}
