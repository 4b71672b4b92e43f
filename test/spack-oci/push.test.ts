/** `paks build --push` also writes Spack's own images, sharing every .spack blob with the Paks artifact. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { registryGet, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { World, type Machine } from '../e2e/world.js';
import { testSpack } from '../helpers/spack.js';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { startSpackImages, tarballReader } from '../../src/spack-oci/push-images.js';
import { testClient } from '../oci/support.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';

const recorded = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/spack-oci/recorded.json', import.meta.url)), 'utf8')) as Record<string, string>;
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const get = registryGet;
// Spack 0.23 writes layout 2 images (transcript 66 of 0.23), Spack 1.1 layout 3 ones (1.1's 66).
const v1 = testSpack.series === '1.1';
// What index.spack lists after greet-paks: 0.23's index has the link/run closure and externals; 1.1's spec
// files carry the whole DAG, so its index also has the compiler (gcc) and compiler-wrapper.
const indexedWithGreet = v1 ? 7 : 5;
const tags = async (registry: TestRegistry, repo: string) => (JSON.parse((await get(registry, `${repo}/tags/list`)).toString()) as { tags: string[] }).tags;

/** Every blob the registry stores (manifests included), digest → size. */
function storedBlobs(registry: TestRegistry): Map<string, number> {
  const root = join(registry.storage, 'docker/registry/v2/blobs/sha256');
  const out = new Map<string, number>();
  for (const two of readdirSync(root)) for (const hex of readdirSync(join(root, two))) out.set(`sha256:${hex}`, statSync(join(root, two, hex, 'data')).size);
  return out;
}

function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(p.slice(dir.length + 1), p);
    }
  };
  walk(dir);
  return out;
}

describe('Spack-native images beside every Paks artifact', () => {
  let world: World;
  let registry: TestRegistry;
  let builder: Machine;
  let cacheDir: string;
  const repo = 'paks/greet';

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    builder = await world.machine('builder');
    assert.equal((await builder.paks(['key', 'create'])).exitCode, 0);
    cacheDir = join(world.dir, 'cache');
    const built = await builder.paks(['build', 'greet-paks', '--cache-dir', cacheDir, '--push', `${registry.host}/${repo}`]);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.match(built.stderr + built.stdout, new RegExp(`Spack images: 3 in .*paks/greet \\(3 new\\); index\\.spack lists ${indexedWithGreet} specs`));
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  it(`tags one image per spec and index.spack, laid out as Spack ${testSpack.series} lays them out`, async () => {
    const all = await tags(registry, repo);
    const spackTags = all.filter((t) => t.endsWith('.spack') && t !== 'index.spack').sort();
    assert.deepEqual(spackTags.map((t) => t.replace(/-[a-z2-7]{32}\.spack$/, '')), ['gcc-runtime-12.2.0', 'greet-paks-1.0.0', 'hello-paks-1.1.0']);
    assert.ok(all.includes('index.spack'));
    const greetTag = spackTags.find((t) => t.startsWith('greet-paks'))!;
    const bytes = await get(registry, `${repo}/manifests/${greetTag}`);
    const manifest = JSON.parse(bytes.toString());
    const shape = (m: any) => ({ keys: Object.keys(m), config: Object.keys(m.config), configType: m.config.mediaType, layerTypes: m.layers.map((l: any) => l.mediaType), annotationKeys: Object.keys(m.annotations) });
    assert.deepEqual(shape(manifest), shape(JSON.parse(recorded.manifest_greet_paks!)));
    assert.equal(manifest.annotations['org.opencontainers.image.description'], v1 ? recorded.description_1_1 : JSON.parse(recorded.manifest_greet_paks!).annotations['org.opencontainers.image.description']);
    // Layers: the cache's own tarballs (0.23 .spack files, 1.1 blobs), dependencies first.
    const read = await readBuildCache(cacheDir);
    assert.equal(read.layout, testSpack.layout);
    const byDigest = new Map(read.specs.map((spec) => [sha256(readFileSync(join(cacheDir, spec.tarball))), spec]));
    assert.deepEqual(manifest.layers.map((l: any) => byDigest.get(l.digest)?.name), ['gcc-runtime', 'hello-paks', 'greet-paks']);
    const config = JSON.parse((await get(registry, `${repo}/blobs/${manifest.config.digest}`)).toString());
    const recordedKeys = v1
      ? [...(recorded.config_keys_1_1 as unknown as string[]).filter((k) => !k.startsWith('spec_')), 'spec']
      : Object.keys(JSON.parse(JSON.stringify(JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/spack-oci/recorded.json', import.meta.url)), 'utf8')).config_greet_paks)));
    assert.deepEqual(Object.keys(config), recordedKeys);
    assert.equal(config.buildcache_layout_version, v1 ? 3 : 2);
    if (v1) {
      assert.equal(config.archive_size, manifest.layers[2].size);
      // When the tarball was made (its file's time), so pushing the same cache again gives the same config.
      assert.equal(config.archive_timestamp, statSync(join(cacheDir, byDigest.get(manifest.layers[2].digest)!.tarball)).mtime.toISOString().replace('Z', '+00:00'));
      assert.equal(config.archive_compression, 'gzip');
    }
    assert.equal(`sha256:${config.binary_cache_checksum.hash}`, manifest.layers[2].digest);
    assert.equal(config.spec.nodes[0].name, 'greet-paks');
    // diff_ids are the uncompressed tarballs' digests, in layer order.
    assert.deepEqual(config.rootfs.diff_ids, manifest.layers.map((l: any) => sha256(gunzipSync(readFileSync(join(cacheDir, byDigest.get(l.digest)!.tarball))))));
    const path = (config.config.Env as string[]).find((e) => e.startsWith('PATH='))!.slice(5).split(':');
    assert.match(path[0]!, /\/greet-paks-1\.0\.0-[a-z2-7]{32}\/bin$/);
    assert.equal(path[1], path[0], 'the root bin twice, as Spack writes it');
    assert.match(path[2]!, /\/hello-paks-1\.1\.0-[a-z2-7]{32}\/bin$/);
    assert.deepEqual(path.slice(-2), ['/bin', '/usr/bin']);
    // index.spack is the cache's index (0.23 index.json, 1.1 the db v8 blob), byte for byte.
    const index = JSON.parse((await get(registry, `${repo}/manifests/index.spack`)).toString());
    assert.equal(index.config.digest, JSON.parse(recorded.manifest_index_spack!).config.digest);
    const indexSum = v1 ? (JSON.parse(readFileSync(join(cacheDir, 'v3/manifests/index/index.manifest.json'), 'utf8')) as { data: { checksum: string }[] }).data[0]!.checksum : '';
    const indexFile = v1 ? join(cacheDir, 'blobs/sha256', indexSum.slice(0, 2), indexSum) : join(cacheDir, 'build_cache/index.json');
    assert.deepEqual(await get(registry, `${repo}/blobs/${index.layers[0].digest}`), readFileSync(indexFile));
    if (v1) assert.equal(JSON.parse(readFileSync(indexFile, 'utf8')).database.version, '8');
  });

  it('attaches the signed spec and both SBOMs to each image as OCI referrers, with the sha256-<hex> tag fallback', async () => {
    const greetTag = (await tags(registry, repo)).find((t) => t.startsWith('greet-paks-'))!;
    const subject = sha256(await get(registry, `${repo}/manifests/${greetTag}`));
    const index = JSON.parse((await get(registry, `${repo}/manifests/${subject.replace(':', '-')}`)).toString());
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(index.manifests.map((m: any) => m.artifactType).sort(), ['application/spdx+json', 'application/vnd.cyclonedx+json', 'application/vnd.paks.spack.spec.signed.v1+pgp']);
    const cache = filesUnder(cacheDir);
    for (const entry of index.manifests) {
      const referrer = JSON.parse((await get(registry, `${repo}/manifests/${entry.digest}`)).toString());
      assert.equal(referrer.subject.digest, subject);
      assert.equal(referrer.config.mediaType, 'application/vnd.oci.empty.v1+json');
      const file = [...cache].find(([rel]) => rel.endsWith(referrer.layers[0].annotations['org.opencontainers.image.title']))!;
      assert.equal(referrer.layers[0].digest, sha256(readFileSync(file[1])), 'the same blob as the Paks artifact layer');
    }
  });

  it('stores no byte twice: beyond the Paks artifact, only manifests and configs', async () => {
    const paksManifest = JSON.parse((await get(registry, `${repo}/manifests/${(await tags(registry, repo)).find((t) => /^1\.0\.0-[a-z2-7]{7}$/.test(t))}`)).toString());
    const paksBlobs = new Set<string>([paksManifest.config.digest, ...paksManifest.layers.map((l: any) => l.digest)]);
    const spackSmall = new Set<string>();
    for (const tag of (await tags(registry, repo)).filter((t) => t.endsWith('.spack'))) {
      const bytes = await get(registry, `${repo}/manifests/${tag}`);
      const manifest = JSON.parse(bytes.toString());
      spackSmall.add(sha256(bytes));
      spackSmall.add(manifest.config.digest);
      for (const layer of manifest.layers) assert.ok(paksBlobs.has(layer.digest), `${tag}: layer ${layer.digest} is the Paks artifact's own blob`);
    }
    const extra = [...storedBlobs(registry)].filter(([digest]) => !paksBlobs.has(digest) && !spackSmall.has(digest));
    // What remains: manifests and indexes only (the Paks manifest, its version/latest indexes, index.spack's manifest).
    for (const [digest] of extra) {
      const blob = readFileSync(join(registry.storage, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'));
      assert.equal(JSON.parse(blob.toString()).schemaVersion, 2, `${digest} is a manifest or an index, not content`);
    }
  });

  it('moves no tag when the build cache cannot be read for its Spack images (read beside the upload)', async () => {
    // A folder holding both layouts is refused by the reading that runs beside the upload.
    const broken = join(world.dir, 'cache-two-layouts');
    cpSync(cacheDir, broken, { recursive: true });
    if (v1) mkdirSync(join(broken, 'build_cache'));
    else {
      mkdirSync(join(broken, 'v3'));
      writeFileSync(join(broken, 'v3', 'layout.json'), '{"signing": "gpg"}');
    }
    const before = await tags(registry, repo);
    const pushed = await builder.paks(['push', broken, `${registry.host}/${repo}:broken`]);
    assert.equal(pushed.exitCode, 2, pushed.stdout); // a usage error
    assert.match(pushed.stderr, /holds two build caches/);
    assert.doesNotMatch(pushed.stderr, /\n\s+at /, 'one sentence, no stack trace');
    assert.deepEqual(await tags(registry, repo), before, 'no tag was added or moved');
  });

  it("pushes a spec's image as soon as the blobs it names are in, before the rest of the artifact; index.spack last", async () => {
    const cache = await readBuildCache(cacheDir);
    const client = testClient();
    const early = { registry: registry.host, repository: 'paks/early' };
    const images = startSpackImages({ client, repository: early, prepared: { cache, readLayer: tarballReader(cache.root) } });
    const push = async (path: string) => {
      const blob = await client.pushBlobFromFile(early, join(cacheDir, path), 'application/octet-stream');
      const layer = { mediaType: blob.mediaType, digest: blob.digest, size: blob.size, annotations: { 'org.opencontainers.image.title': path } };
      images.layerPushed(layer);
      return layer;
    };
    try {
      // gcc-runtime's image names its own tarball, and carries its signed spec and SBOMs.
      const leaf = cache.specs.find((s) => s.name === 'gcc-runtime')!;
      const leafFiles = new Set([leaf.tarball, leaf.specFile, ...[...filesUnder(cacheDir).keys()].filter((p) => p.includes(leaf.hash) && /\.(cdx|spdx)\.json$/.test(p))]);
      assert.equal(leafFiles.size, 4, [...leafFiles].join(', '));
      const layers = [];
      for (const path of leafFiles) layers.push(await push(path));
      const listed = async () => (await client.listTags(early).catch(() => [])).filter((t) => t.endsWith('.spack'));
      for (let i = 0; i < 100 && (await listed()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual((await listed()).map((t) => t.replace(/-[a-z2-7]{32}\.spack$/, '')), ['gcc-runtime-12.2.0'], 'only the image whose blobs are all in, and no index.spack yet');
      for (const path of filesUnder(cacheDir).keys()) if (!leafFiles.has(path)) layers.push(await push(path));
      const result = await images.finish(layers);
      assert.deepEqual(result.images.map((i) => i.name), ['gcc-runtime', 'greet-paks', 'hello-paks']);
      assert.equal(result.index?.changed, true);
      assert.deepEqual((await listed()).map((t) => t.replace(/-[a-z2-7]{32}\.spack$/, '')).sort(), ['gcc-runtime-12.2.0', 'greet-paks-1.0.0', 'hello-paks-1.1.0', 'index.spack']);
    } finally {
      await client.close();
    }
  });

  it('re-pushes unchanged content in a handful of requests: the push record spares the build cache and index.spack', async () => {
    const proxy = await startFaultProxy(registry.host);
    try {
      const target = `${proxy.host}/${repo}:repush`;
      const push = async () => {
        const seen = proxy.requests.length;
        const result = await builder.paks(['push', cacheDir, target]);
        assert.equal(result.exitCode, 0, result.stderr);
        assert.match(result.stderr + result.stdout, /Spack images: 3 .*\(0 new\); index\.spack lists \d+ specs/);
        return proxy.requests.slice(seen).map((r) => `${r.method} ${r.path}`);
      };
      assert.equal((await builder.paks(['push', cacheDir, target])).exitCode, 0);
      const again = await push();
      assert.deepEqual(again.filter((r) => /\/manifests\/(?!index\.spack)[^/]+\.spack$/.test(r)), [], 'no image manifest is asked for');
      // The artifact's manifest, the tag list and index.spack's digest: nothing per spec, no blob.
      assert.deepEqual(again.filter((r) => r.includes('/blobs/')), [], again.join('\n'));
      assert.ok(again.length <= 3, `${again.length} requests:\n${again.join('\n')}`);
      assert.ok(again.includes(`HEAD /v2/${repo}/manifests/index.spack`), again.join('\n'));

      // The record is keyed on each file's identity: the same bytes with new times are read again,
      // and index.spack's content with them (its layer).
      const specFile = [...filesUnder(cacheDir).entries()].find(([path]) => /\.spec\.json(\.sig)?$|\/manifests\/spec\//.test(path))![1];
      const later = new Date(Date.now() + 5000);
      utimesSync(specFile, later, later);
      const touched = await push();
      assert.ok(touched.some((r) => r.includes('/blobs/')), `the build cache and index.spack are read again:\n${touched.join('\n')}`);
      assert.ok(!(await push()).some((r) => r.includes('/blobs/')), 'and remembered again');

      // Only a record this user alone could have written is read.
      const records = join(builder.home, '.cache', 'paks', 'spack-push');
      for (const name of readdirSync(records)) chmodSync(join(records, name), 0o666);
      assert.ok((await push()).some((r) => r.includes('/blobs/')), 'a record others may write is not trusted');
    } finally {
      await proxy.stop();
    }
  });

  it('merges index.spack when another package joins the repository, and leaves unchanged images alone', async () => {
    const spackDigests = async () => Promise.all((await tags(registry, repo)).filter((t) => t.endsWith('.spack')).sort().map(async (t) => sha256(await get(registry, `${repo}/manifests/${t}`))));
    const before = await spackDigests();
    const again = await builder.paks(['push', cacheDir, `${registry.host}/${repo}:1.0.0-again`]);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stderr + again.stdout, /Spack images: 3 .*\(0 new\)/);
    assert.deepEqual(await spackDigests(), before, 'an unchanged re-push leaves the Spack images and index.spack as they were');
    const other = await builder.paks(['build', 'hello-paks@1.0.0', '--push', `${registry.host}/${repo}`]);
    assert.equal(other.exitCode, 0, other.stderr);
    // index.spack moved since the push record of 1.0.0-again was written: that re-push checks the
    // images and index.spack as a first push does (it adds nothing, so index.spack stays).
    const indexDigest = sha256(await get(registry, `${repo}/manifests/index.spack`));
    const third = await builder.paks(['push', cacheDir, `${registry.host}/${repo}:1.0.0-again`]);
    assert.equal(third.exitCode, 0, third.stderr);
    assert.match(third.stderr + third.stdout, /Spack images: 3 .*\(0 new\)/);
    assert.equal(sha256(await get(registry, `${repo}/manifests/index.spack`)), indexDigest);
    const index = JSON.parse((await get(registry, `${repo}/manifests/index.spack`)).toString());
    const db = JSON.parse((await get(registry, `${repo}/blobs/${index.layers[0].digest}`)).toString());
    const names = Object.values(db.database.installs).map((r: any) => `${r.spec.name}@${r.spec.version}`).sort();
    assert.deepEqual(names, [...(v1 ? ['compiler-wrapper@1.0', 'gcc-runtime@12.2.0', 'gcc@12.2.0'] : ['gcc-runtime@12.2.0']), 'glibc@2.36', 'gmake@4.3', 'greet-paks@1.0.0', 'hello-paks@1.0.0', 'hello-paks@1.1.0']);
  });
});
