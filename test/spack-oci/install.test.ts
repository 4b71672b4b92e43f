/** `paks install` from Spack's own OCI build caches: verified when Paks referrers sign them, refused when tampered with. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registryGet, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { World, type Machine } from '../e2e/world.js';
import { testSpack } from '../helpers/spack.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const get = registryGet;
async function tagOf(registry: TestRegistry, repo: string, prefix: string): Promise<string> {
  const { tags } = JSON.parse((await get(registry, `${repo}/tags/list`)).toString()) as { tags: string[] };
  return tags.find((t) => t.startsWith(prefix) && t.endsWith('.spack'))!;
}
const blobFile = (registry: TestRegistry, digest: string) => join(registry.storage, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data');

describe('paks install from a Spack OCI build cache', () => {
  let world: World;
  let registry: TestRegistry;
  let publicKey: string;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    const builder = await world.machine('builder');
    assert.equal((await builder.paks(['key', 'create'])).exitCode, 0);
    publicKey = join(world.dir, 'publisher.asc');
    assert.equal((await builder.paks(['key', 'export', publicKey])).exitCode, 0);
    const signed = await builder.paks(['build', 'greet-paks', '--push', `${registry.host}/mirror/signed`]);
    assert.equal(signed.exitCode, 0, signed.stderr);
    const plain = await world.machine('plain-builder');
    const unsigned = await plain.paks(['build', 'greet-paks', '--unsigned', '--push', `${registry.host}/mirror/plain`]);
    assert.equal(unsigned.exitCode, 0, unsigned.stderr);
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  const user = async (name: string, mirror: string): Promise<Machine> => {
    const machine = await world.machine(name, { registries: [`${registry.host}/${mirror}`] });
    assert.equal((await machine.paks(['key', 'trust', publicKey])).exitCode, 0);
    return machine;
  };

  it('installs as verified when every image carries a Paks signature by a trusted key', async () => {
    const alice = await user('alice', 'mirror/signed');
    const result = await alice.paks(['install', '--cache-only', 'greet-paks']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout + result.stderr, /from 127\.0\.0\.1:\d+\/mirror\/signed@sha256:[0-9a-f]{64} \(signature verified\)/);
    const listed = await alice.paks(['list', '--json']);
    assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((s) => s.name).sort(), testSpack.installedWithGreet);
  });

  it('an unsigned cache needs unsigned_registries or --no-verify, and says so in one sentence', async () => {
    const bob = await user('bob', 'mirror/plain');
    const refused = await bob.paks(['install', '--cache-only', 'greet-paks']);
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /is a Spack OCI build cache whose greet-paks is not signed by Paks; add 127\.0\.0\.1:\d+\/mirror\/plain to unsigned_registries or pass --no-verify/);
    const allowed = await bob.paks(['install', '--cache-only', 'greet-paks'], { PAKS_UNSIGNED_REGISTRIES: `${registry.host}/mirror/plain` });
    assert.equal(allowed.exitCode, 0, allowed.stderr);
    assert.match(allowed.stdout + allowed.stderr, /\(unsigned\)/);
  });

  it('uses a Spack-native binary only when it satisfies the whole request, and says why not', async () => {
    const carol = await user('carol', 'mirror/signed');
    const refused = await carol.paks(['install', '--cache-only', 'greet-paks ^hello-paks@1.0.0']);
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /greet-paks depends on hello-paks@1\.1\.0; you asked \^hello-paks@1\.0\.0/);
    assert.deepEqual(JSON.parse((await carol.paks(['list', '--json'])).stdout), []);
  });

  it('judges a Spack-native binary by its libc: one built against a newer glibc is refused, saying why', async () => {
    const future = await world.machine('future-builder');
    const built = await future.paks(['build', 'greet-paks', '--unsigned', '--push', `${registry.host}/mirror/future`], { SPACK_STANDIN_GLIBC: '99.1' });
    assert.equal(built.exitCode, 0, built.stderr);
    const dave = await user('dave', 'mirror/future');
    const refused = await dave.paks(['install', '--cache-only', '--no-verify', 'greet-paks']);
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /mirror\/future \(a Spack OCI build cache\): greet-paks needs glibc 99\.1, newer than this machine's [0-9.]+/);
    assert.deepEqual(JSON.parse((await dave.paks(['list', '--json'])).stdout), []);
  });

  it('refuses a binary_cache_checksum that does not match the layer, and installs nothing', async () => {
    const repo = 'mirror/plain';
    const tag = await tagOf(registry, repo, 'hello-paks-');
    const manifest = JSON.parse((await get(registry, `${repo}/manifests/${tag}`)).toString());
    const config = JSON.parse((await get(registry, `${repo}/blobs/${manifest.config.digest}`)).toString());
    config.binary_cache_checksum.hash = 'f'.repeat(64);
    const bytes = Buffer.from(JSON.stringify(config));
    const started = await fetch(`${registry.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(started.headers.get('location')!, registry.url);
    location.searchParams.set('digest', sha256(bytes));
    const upload = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(upload.status, 201);
    manifest.config = { ...manifest.config, digest: sha256(bytes), size: bytes.length };
    const put = await fetch(`${registry.url}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: JSON.stringify(manifest), headers: { 'content-type': manifest.mediaType } });
    assert.equal(put.status, 201);
    const carol = await user('carol', repo);
    const result = await carol.paks(['install', '--cache-only', '--no-verify', 'hello-paks']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /Refusing the binary of hello-paks from .*binary_cache_checksum .* does not match its layer/);
    assert.equal((await carol.paks(['list', '--json'])).stdout.trim(), '[]');
  });

  it('refuses an index.spack whose image names a blob the registry does not have', async () => {
    const repo = 'mirror/signed';
    const tag = await tagOf(registry, repo, 'greet-paks-');
    const manifest = JSON.parse((await get(registry, `${repo}/manifests/${tag}`)).toString());
    const file = blobFile(registry, manifest.layers.at(-1).digest);
    const original = readFileSync(file);
    const { rmSync } = await import('node:fs');
    rmSync(file);
    try {
      const erin = await user('erin', repo);
      const result = await erin.paks(['install', '--cache-only', 'greet-paks']);
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /Refusing the binary of greet-paks from .*index\.spack lists it, but the registry does not have the layer sha256:[0-9a-f]{64} of greet-paks-1\.0\.0-/);
      assert.equal((await erin.paks(['list', '--json'])).stdout.trim(), '[]');
    } finally {
      writeFileSync(file, original);
    }
  });

  it('refuses a corrupted layer (its digest does not match) and installs nothing', async () => {
    const repo = 'mirror/signed';
    const tag = await tagOf(registry, repo, 'greet-paks-');
    const manifest = JSON.parse((await get(registry, `${repo}/manifests/${tag}`)).toString());
    const file = blobFile(registry, manifest.layers.at(-1).digest);
    const original = readFileSync(file);
    const broken = Buffer.from(original);
    broken[broken.length - 10] = broken[broken.length - 10]! ^ 0xff;
    writeFileSync(file, broken);
    try {
      const dave = await user('dave', repo);
      const result = await dave.paks(['install', '--cache-only', 'greet-paks']);
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /Refusing the binary of greet-paks/);
      assert.match(result.stderr, /digest|sha256/i);
      assert.equal((await dave.paks(['list', '--json'])).stdout.trim(), '[]');
    } finally {
      writeFileSync(file, original);
    }
  });
});
