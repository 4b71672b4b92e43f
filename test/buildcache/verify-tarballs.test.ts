import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { sha256File, verifyTarballs } from '../../src/buildcache/verify-tarballs.js';
import { PaksError } from '../../src/errors.js';
import { GREET_STEM, SIGNED_CACHE, UNSIGNED_CACHE, scratchCopy } from './fixtures.js';

/** Puts stand-in tarballs into an unsigned scratch cache and rewrites the specs' checksums to match. */
async function cacheWithTarballs() {
  const scratch = await scratchCopy(UNSIGNED_CACHE);
  const before = await readBuildCache(scratch.cache);
  for (const spec of before.specs) {
    const body = Buffer.alloc(200_000, spec.name);
    await mkdir(dirname(join(scratch.cache, spec.tarball)), { recursive: true });
    await writeFile(join(scratch.cache, spec.tarball), body);
    const specPath = join(scratch.cache, spec.specFile);
    const json = JSON.parse(await readFile(specPath, 'utf8'));
    json.binary_cache_checksum.hash = createHash('sha256').update(body).digest('hex');
    await writeFile(specPath, JSON.stringify(json));
  }
  return scratch;
}

test('streams every tarball through sha256 and matches the spec checksums', async () => {
  const scratch = await cacheWithTarballs();
  try {
    const cache = await readBuildCache(scratch.cache);
    const progress: string[] = [];
    const verified = await verifyTarballs(cache, cache.specs, (t) => progress.push(t.spec.name));
    assert.equal(verified.length, 3);
    assert.deepEqual(progress, ['gcc-runtime', 'greet-paks', 'hello-paks']);
    assert.ok(verified.every((v) => v.size === 200_000 && v.sha256 === v.spec.checksum?.hash));
    assert.deepEqual(await sha256File(verified[0]!.path), { sha256: verified[0]!.sha256, size: 200_000 });
  } finally {
    await scratch.cleanup();
  }
});

test('a tarball that does not match is an integrity error naming the file and both digests', async () => {
  const scratch = await scratchCopy(SIGNED_CACHE);
  try {
    const cache0 = await readBuildCache(scratch.cache);
    const greet = cache0.specs.find((s) => s.name === 'greet-paks')!;
    await mkdir(dirname(join(scratch.cache, greet.tarball)), { recursive: true });
    await writeFile(join(scratch.cache, greet.tarball), 'not the real tarball');
    const cache = await readBuildCache(scratch.cache);
    await assert.rejects(verifyTarballs(cache, [cache.specs.find((s) => s.name === 'greet-paks')!]), (e: unknown) => {
      assert.ok(e instanceof PaksError);
      assert.equal(e.kind, 'integrity');
      assert.ok(e.message.includes(`${GREET_STEM}.spack does not match its spec`));
      assert.ok(e.message.includes('25fee582a77eaf4b7746bb966f6cfb2255e08a85b657867ee72be4865841690b'));
      assert.match(e.hint ?? '', /spack buildcache push/);
      return true;
    });
  } finally {
    await scratch.cleanup();
  }
});

test('a missing tarball is not-found; a tarball linked from outside the cache is refused', async () => {
  const scratch = await cacheWithTarballs();
  try {
    const cache = await readBuildCache(scratch.cache);
    const hello = cache.specs.find((s) => s.name === 'hello-paks')!;
    await rm(join(scratch.cache, hello.tarball));
    await assert.rejects(verifyTarballs(cache, [hello]), (e: unknown) => e instanceof PaksError && e.kind === 'not-found' && e.message.includes('hello-paks@1.1.0'));

    const outside = join(scratch.dir, 'elsewhere.spack');
    await writeFile(outside, 'x');
    await symlink(outside, join(scratch.cache, hello.tarball));
    await assert.rejects(verifyTarballs(cache, [hello]), (e: unknown) => e instanceof PaksError && e.kind === 'integrity' && /outside the build cache/.test(e.message));
  } finally {
    await scratch.cleanup();
  }
});

test('a spec without a sha256 checksum cannot be checked', async () => {
  const cache = await readBuildCache(UNSIGNED_CACHE);
  const spec = { ...cache.specs[0]!, checksum: undefined };
  await assert.rejects(verifyTarballs(cache, [spec]), /has no binary_cache_checksum/);
  const md5 = { ...cache.specs[0]!, checksum: { algorithm: 'md5', hash: 'ab' } };
  await assert.rejects(verifyTarballs(cache, [md5]), /sha256 only/);
});
