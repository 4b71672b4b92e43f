import assert from 'node:assert/strict';
import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { byText, readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { PaksError } from '../../src/errors.js';
import {
  CACHE_KEY_FINGERPRINT,
  GREET_STEM,
  HELLO_STEM,
  SIGNED_CACHE,
  UNSIGNED_CACHE,
  scratchCopy,
} from './fixtures.js';

test('reads the real signed cache: three specs, their tarball paths, checksums and the key', async () => {
  const cache = await readBuildCache(SIGNED_CACHE);
  assert.deepEqual(cache.junk, []);
  assert.deepEqual(cache.specs.map((s) => `${s.name}@${s.version}`), ['gcc-runtime@12.2.0', 'greet-paks@1.0.0', 'hello-paks@1.1.0']);
  const greet = cache.specs.find((s) => s.name === 'greet-paks')!;
  assert.equal(greet.hash, 'eus5xxlme3e4olqwzmc6dk5dp6hopdrj');
  assert.deepEqual(greet.arch, { platform: 'linux', os: 'debian12', target: 'icelake' });
  assert.deepEqual(greet.compiler, { name: 'gcc', version: '12.2.0' });
  assert.equal(greet.signed, true);
  assert.equal(greet.specFile, `build_cache/${GREET_STEM}.spec.json.sig`);
  // The path recorded in transcripts/23-cache-layout.txt.
  assert.equal(greet.tarball, `build_cache/linux-debian12-icelake/gcc-12.2.0/greet-paks-1.0.0/${GREET_STEM}.spack`);
  assert.equal(greet.tarballPresent, false);
  assert.deepEqual(greet.checksum, { algorithm: 'sha256', hash: '25fee582a77eaf4b7746bb966f6cfb2255e08a85b657867ee72be4865841690b' });
  assert.equal(greet.document.spec.nodes.length, 5);
  assert.deepEqual(cache.keys.map((k) => k.fingerprint), [CACHE_KEY_FINGERPRINT]);
  assert.match(cache.keys[0]!.armored, /BEGIN PGP PUBLIC KEY BLOCK/);
  assert.equal(cache.keys[0]!.file, `build_cache/_pgp/${CACHE_KEY_FINGERPRINT}.pub`);
});

test('reads the unsigned cache the same way, marked unsigned, with no keys', async () => {
  const cache = await readBuildCache(UNSIGNED_CACHE);
  assert.deepEqual(cache.junk, []);
  assert.equal(cache.specs.length, 3);
  assert.ok(cache.specs.every((s) => !s.signed && s.specFile.endsWith('.spec.json')));
  assert.deepEqual(cache.keys, []);
});

test('a folder with neither build_cache/ nor v3/layout.json is a not-found error that names both layouts', async () => {
  await assert.rejects(readBuildCache(join(SIGNED_CACHE, 'build_cache')), (e: unknown) => {
    assert.ok(e instanceof PaksError);
    assert.equal(e.kind, 'not-found');
    assert.match(e.message, /has neither build_cache\/ \(layout v2, Spack 0\.23\) nor v3\/layout\.json \(layout v3, Spack 1\.x\)/);
    return true;
  });
});

test('tolerates and reports junk; never follows links out of the cache; sees tarballs', async () => {
  const scratch = await scratchCopy(UNSIGNED_CACHE);
  try {
    const bc = join(scratch.cache, 'build_cache');
    await writeFile(join(bc, 'notes.txt'), 'hello');
    await writeFile(join(scratch.dir, 'outside.spec.json'), await readFile(join(bc, `${HELLO_STEM}.spec.json`)));
    await symlink(join(scratch.dir, 'outside.spec.json'), join(bc, 'linked.spec.json'));
    await writeFile(join(bc, 'broken-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.spec.json'), '{ not json');
    // A valid spec under a name that does not match it.
    await rename(join(bc, `${HELLO_STEM}.spec.json`), join(bc, 'renamed.spec.json'));
    await writeFile(join(bc, 'index.json'), '{"database":{"version":"7","installs":{}}}');
    const tarDir = join(bc, 'linux-debian12-icelake', 'gcc-12.2.0', 'greet-paks-1.0.0');
    await mkdir(tarDir, { recursive: true });
    await writeFile(join(tarDir, `${GREET_STEM}.spack`), 'tarball');
    await writeFile(join(tarDir, 'orphan.spack'), 'x');

    const cache = await readBuildCache(scratch.cache);
    assert.deepEqual(cache.specs.map((s) => s.name), ['gcc-runtime', 'greet-paks']);
    assert.equal(cache.specs.find((s) => s.name === 'greet-paks')!.tarballPresent, true);
    const junk = Object.fromEntries(cache.junk.map((j) => [j.path, j.reason]));
    assert.match(junk['build_cache/notes.txt']!, /not part of a Spack build cache/);
    assert.match(junk['build_cache/linked.spec.json']!, /symbolic link, not followed/);
    assert.match(junk['build_cache/broken-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.spec.json']!, /not valid JSON/);
    assert.match(junk['build_cache/renamed.spec.json']!, new RegExp(`expected build_cache/${HELLO_STEM}\\.spec\\.json`));
    assert.match(junk['build_cache/index.json']!, /index\.json\.hash does not match/);
    assert.match(junk['build_cache/linux-debian12-icelake/gcc-12.2.0/greet-paks-1.0.0/orphan.spack']!, /tarball without a spec file/);
  } finally {
    await scratch.cleanup();
  }
});

test('prefers the signed spec file when both forms of one spec exist', async () => {
  const scratch = await scratchCopy(SIGNED_CACHE);
  try {
    const unsigned = await readFile(join(UNSIGNED_CACHE, 'build_cache', `${GREET_STEM}.spec.json`));
    await writeFile(join(scratch.cache, 'build_cache', `${GREET_STEM}.spec.json`), unsigned);
    const cache = await readBuildCache(scratch.cache);
    assert.equal(cache.specs.length, 3);
    assert.equal(cache.specs.find((s) => s.name === 'greet-paks')!.signed, true);
    assert.deepEqual(cache.junk.map((j) => j.path), [`build_cache/${GREET_STEM}.spec.json`]);
  } finally {
    await scratch.cleanup();
  }
});

test('a verifySpec hook sees every spec file, and its refusal stops the read', async () => {
  const seen: string[] = [];
  const cache = await readBuildCache(SIGNED_CACHE, {
    verifySpec: async (text, file) => {
      seen.push(file);
      assert.match(text, /^-----BEGIN PGP SIGNED MESSAGE-----/);
      return text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
    },
  });
  assert.equal(seen.length, 3);
  assert.equal(cache.specs.length, 3);
  await assert.rejects(
    readBuildCache(UNSIGNED_CACHE, {
      verifySpec: async (_text, file) => {
        throw new PaksError('trust', `${file} is not signed`);
      },
    }),
    (e: unknown) => e instanceof PaksError && e.kind === 'trust',
  );
});

test('byText orders plain names, versions and hashes as localeCompare does (without its collator)', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const alphabet of ['abcz09.-', 'ABCZ09.-', 'aZ0_-', 'ab-.9']) {
    const word = () => Array.from({ length: Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let i = 0; i < 2000; i++) {
      const [a, b] = [word(), word()];
      assert.equal(Math.sign(byText(a, b)), Math.sign(a.localeCompare(b)), `${a} against ${b}`);
      // Plain strings come out in the same order whatever the locale (others are localeCompare's).
      if (!alphabet.includes('_')) for (const locale of ['en', 'en-US-POSIX', 'de']) assert.equal(Math.sign(byText(a, b)), Math.sign(a.localeCompare(b, locale)), `${a} against ${b} in ${locale}`);
    }
  }
});
