import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pullArtifact, pushArtifact } from '../../src/oci/artifact.js';
import * as mt from '../../src/oci/media-types.js';
import { hostPlatform, matchesPlatform, platformKey, selectFromIndex } from '../../src/oci/platform.js';
import { ociArchitectureOf } from '../../src/buildcache/oci-platform.js';
import { addToPlatformIndex } from '../../src/oci/platform-index.js';
import { parseReference } from '../../src/oci/reference.js';
import type { Descriptor } from '../../src/oci/schemas.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { cleanup, tempDir, testClient, writeTree } from './support.js';

let registry: TestRegistry;
const made: string[] = [];
before(async () => {
  registry = await startRegistry();
});
after(async () => {
  await registry.stop();
  cleanup(...made);
});

const annotationsFor = (target: string, compiler = 'gcc@12.2.0') => ({
  [mt.ANNOTATION_SPACK_TARGET]: target,
  [mt.ANNOTATION_SPACK_OS]: 'debian12',
  [mt.ANNOTATION_SPACK_COMPILER]: compiler,
});

async function pushBuild(tag: string, content: string, annotations: Record<string, string>) {
  const dir = tempDir();
  made.push(dir);
  writeTree(dir, { 'build_cache/x.spack': content });
  return pushArtifact({ client: testClient(), directory: dir, reference: parseReference(`${registry.host}/paks/zlib:${tag}`), annotations });
}

describe('selectFromIndex and platform helpers', () => {
  const entry = (architecture: string, target: string): Descriptor => ({
    mediaType: mt.OCI_MANIFEST,
    digest: `sha256:${target.padEnd(64, '0').slice(0, 64).replace(/[^0-9a-f]/g, 'a')}`,
    size: 1,
    platform: { os: 'linux', architecture },
    annotations: { [mt.ANNOTATION_SPACK_TARGET]: target },
  });
  const entries = [entry('amd64', 'x86_64_v3'), entry('amd64', 'icelake'), entry('arm64', 'neoverse_v1')];

  it('picks the first match of a predicate, or the best rank', () => {
    assert.equal(selectFromIndex(entries, (e) => e.platform?.architecture === 'amd64')?.annotations?.[mt.ANNOTATION_SPACK_TARGET], 'x86_64_v3');
    const preference = ['icelake', 'x86_64_v3'];
    const ranked = selectFromIndex(entries, (e) => {
      const at = preference.indexOf(e.annotations?.[mt.ANNOTATION_SPACK_TARGET] ?? '');
      return at < 0 ? false : preference.length - at;
    });
    assert.equal(ranked?.annotations?.[mt.ANNOTATION_SPACK_TARGET], 'icelake');
    assert.equal(selectFromIndex(entries, () => -1), undefined);
  });

  it('keys platforms by os/arch/variant and the Spack annotations', () => {
    assert.notEqual(platformKey(entries[0]!), platformKey(entries[1]!));
    const moved: Descriptor = { ...entries[0]!, digest: 'sha256:other' };
    assert.equal(platformKey(moved), platformKey(entries[0]!));
  });

  it('maps Spack targets and the host to OCI architectures', () => {
    assert.equal(ociArchitectureOf('icelake'), 'amd64');
    assert.equal(ociArchitectureOf('x86_64_v3'), 'amd64');
    assert.equal(ociArchitectureOf('neoverse_v1'), 'arm64');
    assert.equal(ociArchitectureOf('power9le'), 'ppc64le');
    assert.equal(ociArchitectureOf('mystery'), undefined);
    assert.deepEqual(hostPlatform('linux', 'x64'), { os: 'linux', architecture: 'amd64' });
    assert.equal(matchesPlatform({ os: 'linux', architecture: 'arm64' })(entries[2]!), true);
  });
});

describe('addToPlatformIndex against a real registry', () => {
  it('builds per-platform indexes, replaces the same platform, keeps the others', async () => {
    const client = testClient();
    const repository = { registry: registry.host, repository: 'paks/zlib' };
    // An older plain manifest under `latest` that says its platform is kept as an entry.
    const old = await pushBuild('latest', 'old-build', { ...annotationsFor('zen2'), [mt.ANNOTATION_SPACK_LIBC]: 'glibc@2.36', [mt.ANNOTATION_SPACK_TARGET_FAMILY]: 'x86_64_v3' });
    const icelake = await pushBuild('1.3.1-aaaaaaa', 'icelake-build', annotationsFor('icelake'));
    const arm = await pushBuild('1.3.1-bbbbbbb', 'arm-build', annotationsFor('neoverse_v1'));
    const descriptor = (p: { digest: string; size: number; mediaType: string }) => ({ digest: p.digest, size: p.size, mediaType: p.mediaType, artifactType: mt.PAKS_BUILDCACHE });

    const first = await addToPlatformIndex({ client, repository, tags: ['1.3.1', 'latest'], descriptor: descriptor(icelake), platform: { os: 'linux', architecture: 'amd64' }, annotations: annotationsFor('icelake'), architectureOfTarget: (t) => ociArchitectureOf(t) });
    assert.deepEqual(first.map((r) => [r.tag, r.index.manifests.length]), [['1.3.1', 1], ['latest', 2]]);
    const latest = first[1]!.index.manifests;
    assert.deepEqual(latest.map((e) => e.digest), [old.digest, icelake.digest]);
    assert.deepEqual(latest[0]!.platform, { os: 'linux', architecture: 'amd64' });
    // What it runs on comes along, so installs still choose it without reading its spec.
    assert.equal(latest[0]!.annotations?.[mt.ANNOTATION_SPACK_LIBC], 'glibc@2.36');
    assert.equal(latest[0]!.annotations?.[mt.ANNOTATION_SPACK_TARGET_FAMILY], 'x86_64_v3');

    await addToPlatformIndex({ client, repository, tags: ['1.3.1', 'latest'], descriptor: descriptor(arm), platform: { os: 'linux', architecture: 'arm64' }, annotations: annotationsFor('neoverse_v1') });
    const rebuilt = await pushBuild('1.3.1-ccccccc', 'icelake-rebuild', annotationsFor('icelake'));
    const replaced = await addToPlatformIndex({ client, repository, tags: ['1.3.1'], descriptor: descriptor(rebuilt), platform: { os: 'linux', architecture: 'amd64' }, annotations: annotationsFor('icelake') });
    assert.equal(replaced[0]!.replaced, true);

    const fetched = await client.getManifest(parseReference(`${registry.host}/paks/zlib:1.3.1`));
    assert.equal(fetched.kind, 'index');
    assert.equal(fetched.mediaType, mt.OCI_INDEX);
    const manifests = fetched.kind === 'index' ? fetched.index.manifests : [];
    assert.deepEqual(manifests.map((e) => [e.platform?.architecture, e.annotations?.[mt.ANNOTATION_SPACK_TARGET], e.digest]), [
      ['arm64', 'neoverse_v1', arm.digest],
      ['amd64', 'icelake', rebuilt.digest],
    ]);
    assert.equal(manifests[0]!.artifactType, mt.PAKS_BUILDCACHE);

    // pullArtifact resolves the index with a selector.
    const dir = tempDir();
    made.push(dir);
    const pulled = await pullArtifact({ client, reference: parseReference(`${registry.host}/paks/zlib:1.3.1`), directory: dir, platform: (e) => e.platform?.architecture === 'arm64' });
    assert.equal(pulled.digest, arm.digest);
  });

  it('starts over when the tag moves underneath it', async () => {
    const client = testClient();
    const repository = { registry: registry.host, repository: 'paks/race' };
    const a = await pushArtifact({ client, directory: (() => { const d = tempDir(); made.push(d); writeTree(d, { a: 'a' }); return d; })(), reference: parseReference(`${registry.host}/paks/race:a`) });
    const b = await pushArtifact({ client, directory: (() => { const d = tempDir(); made.push(d); writeTree(d, { b: 'b' }); return d; })(), reference: parseReference(`${registry.host}/paks/race:b`) });
    let moved = false;
    const racing = {
      ...client,
      async manifestDigest(reference: Parameters<typeof client.manifestDigest>[0]) {
        if (!moved) {
          moved = true; // someone else points the tag at b between our read and our write
          await addToPlatformIndex({ client, repository, tags: ['v'], descriptor: b, platform: { os: 'linux', architecture: 'arm64' } });
        }
        return client.manifestDigest(reference);
      },
    };
    const [result] = await addToPlatformIndex({ client: racing, repository, tags: ['v'], descriptor: a, platform: { os: 'linux', architecture: 'amd64' } });
    assert.deepEqual(result!.index.manifests.map((m) => m.digest), [b.digest, a.digest]);
  });

  it('adds its entry again when a push that raced past the check overwrote it', async () => {
    const client = testClient();
    const repository = { registry: registry.host, repository: 'paks/overwritten' };
    const a = await pushArtifact({ client, directory: (() => { const d = tempDir(); made.push(d); writeTree(d, { a: 'a' }); return d; })(), reference: parseReference(`${registry.host}/paks/overwritten:a`) });
    const b = await pushArtifact({ client, directory: (() => { const d = tempDir(); made.push(d); writeTree(d, { b: 'b' }); return d; })(), reference: parseReference(`${registry.host}/paks/overwritten:b`) });
    const bEntry = { mediaType: b.mediaType, digest: b.digest, size: b.size, platform: { os: 'linux', architecture: 'arm64' } };
    let raced = false;
    const racing = {
      ...client,
      async putManifest(...args: Parameters<typeof client.putManifest>) {
        const ours = await client.putManifest(...args);
        if (!raced) {
          raced = true; // the other push read the tag before ours landed, and writes after it
          await client.putManifest(repository, 'w', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mt.OCI_INDEX, manifests: [bEntry] })), mt.OCI_INDEX);
        }
        return ours;
      },
    };
    await addToPlatformIndex({ client: racing, repository, tags: ['w'], descriptor: a, platform: { os: 'linux', architecture: 'amd64' } });
    const fetched = await client.getManifest({ ...repository, tag: 'w' });
    assert.equal(fetched.kind, 'index');
    assert.deepEqual(fetched.kind === 'index' && fetched.index.manifests.map((m) => m.digest).sort(), [a.digest, b.digest].sort());
  });
});
