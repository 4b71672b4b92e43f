import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { verifyTarballs } from '../../src/buildcache/verify-tarballs.js';
import { PaksError } from '../../src/errors.js';
import { readAcceptedPublicKeys } from '../../src/trust/public-key.js';
import { specVerifier } from '../../src/trust/verify-clearsigned.js';
import { makeKey } from '../trust/keys.js';
import { V3_GREET_MANIFEST, V3_KEY_BLOB, V3_KEY_FINGERPRINT, V3_SIGNED_CACHE, scratchCopy } from './fixtures.js';

const publisherKeys = async () => readAcceptedPublicKeys(await readFile(V3_KEY_BLOB, 'utf8'), 'the publisher key');

test('layout v3 (Spack 1.1): four signed specs, tarball blobs from their manifests, the key, no junk', async () => {
  const cache = await readBuildCache(V3_SIGNED_CACHE);
  assert.equal(cache.layout, 3);
  assert.deepEqual(cache.junk, []);
  assert.deepEqual(cache.specs.map((s) => `${s.name}@${s.version}/${s.hash.slice(0, 7)}`), ['compiler-wrapper@1.0/dioyrij', 'gcc-runtime@12.2.0/tjjstrb', 'greet-paks@1.0.0/2i36ouy', 'hello-paks@1.1.0/7snkjcu']);
  const greet = cache.specs.find((s) => s.name === 'greet-paks')!;
  assert.equal(greet.specFile, V3_GREET_MANIFEST);
  assert.equal(greet.signed, true);
  // The compiler is the `c` dependency (specfile v5 has no compiler field); the target keeps its name.
  assert.deepEqual(greet.compiler, { name: 'gcc', version: '12.2.0' });
  assert.deepEqual(greet.arch, { platform: 'linux', os: 'debian12', target: 'zen2' });
  // TARBALL-BLOBS-LEFT-OUT.txt: the greet-paks tarball blob and its digest.
  assert.equal(greet.tarball, 'blobs/sha256/fe/fe67d40f2adb1e0798e72ec19ea7c26a2db555169bc5c9867117cfa6c8ad64bc');
  assert.deepEqual(greet.checksum, { algorithm: 'sha256', hash: 'fe67d40f2adb1e0798e72ec19ea7c26a2db555169bc5c9867117cfa6c8ad64bc' });
  assert.equal(greet.tarballPresent, false);
  assert.equal(greet.document.spec._meta.version, 5);
  assert.equal(greet.document.buildcache_layout_version, 2);
  assert.equal(greet.sbomStem, 'sbom/greet-paks-1.0.0-2i36ouybuqlq746bmzdayrr4hle6batk');
  assert.equal(cache.specs.find((s) => s.name === 'compiler-wrapper')!.compiler, undefined);
  assert.deepEqual(cache.keys.map((k) => [k.fingerprint, k.file]), [[V3_KEY_FINGERPRINT, 'blobs/sha256/34/34eb7fb08354fc7eadca8f005a15a3e98738805b3c821fd7d4cbf128248df916']]);
});

test('layout v3 spec manifests verify with the published key in-process; a stranger\'s key is refused', async () => {
  const cache = await readBuildCache(V3_SIGNED_CACHE, { verifySpec: specVerifier(await publisherKeys()) });
  assert.equal(cache.specs.length, 4);
  const stranger = await makeKey();
  await assert.rejects(readBuildCache(V3_SIGNED_CACHE, { verifySpec: specVerifier(await readAcceptedPublicKeys(stranger.publicKey.armor(), 'x')) }), (e: unknown) => {
    assert.ok(e instanceof PaksError && e.kind === 'trust');
    assert.match(e.message, /\.spec\.manifest\.json is signed by key .*not among your trusted keys/);
    return true;
  });
});

test('layout v3: a changed manifest has a BAD signature; a changed spec blob does not match its signed digest', async () => {
  const copy = await scratchCopy(V3_SIGNED_CACHE);
  try {
    const manifest = join(copy.cache, V3_GREET_MANIFEST);
    const original = await readFile(manifest, 'utf8');
    await writeFile(manifest, original.replace('"contentLength":7955', '"contentLength":7956'));
    await assert.rejects(readBuildCache(copy.cache, { verifySpec: specVerifier(await publisherKeys()) }), /BAD signature/);
    await writeFile(manifest, original);
    const blob = join(copy.cache, 'blobs/sha256/60/60d2c633a69d0eb9a07f71594cd1b517283748369a1978cfe8f1dc666411bc1a');
    const bytes = await readFile(blob);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    await writeFile(blob, bytes);
    await assert.rejects(readBuildCache(copy.cache, { verifySpec: specVerifier(await publisherKeys()) }), (e: unknown) => {
      assert.ok(e instanceof PaksError && e.kind === 'integrity');
      assert.match(e.message, /blobs\/sha256\/60\/60d2c6\w+ does not match v3\/manifests\/spec\/greet-paks\//);
      return true;
    });
  } finally {
    await copy.cleanup();
  }
});

test('layout v3: tarball blobs are checked against the manifest digest; strays and missing blobs are reported', async () => {
  const copy = await scratchCopy(V3_SIGNED_CACHE);
  try {
    const cache0 = await readBuildCache(copy.cache);
    const greet = cache0.specs.find((s) => s.name === 'greet-paks')!;
    await mkdir(join(copy.cache, greet.tarball, '..'), { recursive: true });
    await writeFile(join(copy.cache, greet.tarball), 'not the tarball');
    await writeFile(join(copy.cache, 'stray.txt'), 'x');
    await rm(join(copy.cache, 'blobs/sha256/b2'), { recursive: true });
    const cache = await readBuildCache(copy.cache);
    assert.deepEqual(cache.specs.map((s) => s.name), ['gcc-runtime', 'greet-paks', 'hello-paks']);
    assert.deepEqual(cache.junk.map((j) => j.path), ['stray.txt', 'v3/manifests/spec/compiler-wrapper/compiler-wrapper-1.0-dioyrijxsehyuerhuyhoobduwxjym7b3.spec.manifest.json']);
    await assert.rejects(verifyTarballs(cache, cache.specs.filter((s) => s.name === 'greet-paks')), /does not match its spec: its sha256 is/);
  } finally {
    await copy.cleanup();
  }
});

test('the recorded spec blob is gzip\'d specfile v5 with no compiler field (transcript 24b)', async () => {
  const text = gunzipSync(await readFile(join(V3_SIGNED_CACHE, 'blobs/sha256/60/60d2c633a69d0eb9a07f71594cd1b517283748369a1978cfe8f1dc666411bc1a'))).toString();
  const doc = JSON.parse(text);
  assert.equal(doc.spec._meta.version, 5);
  assert.ok(doc.spec.nodes.every((n: Record<string, unknown>) => !('compiler' in n)));
});

test('a folder holding both layouts is refused in one sentence', async () => {
  const copy = await scratchCopy(V3_SIGNED_CACHE);
  try {
    await mkdir(join(copy.cache, 'build_cache'));
    await assert.rejects(readBuildCache(copy.cache), (e: unknown) => {
      assert.ok(e instanceof PaksError && e.kind === 'usage');
      assert.match(e.message, /holds two build caches: layout v2 \(build_cache\/, Spack 0\.23\) and layout v3 \(v3\/, Spack 1\.x\)/);
      return true;
    });
  } finally {
    await copy.cleanup();
  }
});
