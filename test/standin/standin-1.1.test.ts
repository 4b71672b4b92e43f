// The Spack stand-in playing Spack 1.1 (spack: SPACK_1_1), against the recorded real Spack 1.1
// transcripts in test/fixtures/spack-1.1 (see the README there).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { createSpackRoot, runSpack, SPACK_1_1, stopGpgAgent, type SpackRoot } from '../helpers/spack.js';
import { readTranscript } from '../helpers/transcripts.js';

const RECORDED_V3 = fileURLToPath(new URL('../fixtures/buildcache/v3-signed/', import.meta.url));

const transcript = (name: string) => readTranscript('1.1', name);

const blobLines = (s: string) => s.replace(/blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}/g, 'blobs/sha256/<blob>');
const withoutTime = (s: string) => s.replace(/\nreal\t[\s\S]*$/, '').replace(/^\n$/, '');
const timings = (s: string) => s.replace(/\d+\.\d\ds\./g, 'T.').replace(/\d+\.\d\ds$/gm, 'T');

describe('spack stand-in as Spack 1.1', () => {
  let work: string;
  let sr: SpackRoot;
  let cache: string;
  const spack = (...args: string[]) => runSpack(sr, args);
  const paths = (s: string) => s.split(join(sr.root, 'opt', 'spack')).join('$INSTALL_TREE').split(cache).join('$CACHE').split(work).join('$WORK');

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'paks-standin11-'));
    sr = await createSpackRoot(work, { spack: SPACK_1_1, keyAlgo: 'rsa2048' });
    cache = join(work, 'cache');
  });
  after(async () => {
    stopGpgAgent(sr.root);
    await rm(work, { recursive: true, force: true });
  });

  it('says 1.1.0, lists its compiler as an external, and concretizes to the recorded hashes', () => {
    assert.equal(spack('--version').stdout, transcript('46b-spack-version').stdout);
    assert.equal(spack('compiler', 'list').stdout, transcript('00c-compiler-list').stdout);
    assert.equal(spack('spec', '-l', 'greet-paks').stdout.split('Concretized\n--------------------------------\n')[1], transcript('08b-spec-l-greet-paks').stdout);
  });

  it('installs from source into linux-zen2/ and finds what real Spack found, byte for byte', () => {
    const installed = spack('install', 'greet-paks');
    assert.equal(installed.code, 0, installed.stderr);
    assert.deepEqual(JSON.parse(spack('find', '--json').stdout), JSON.parse(transcript('14-find-json').stdout));
    assert.equal(spack('find').stdout, transcript('13-find').stdout);
    assert.equal(spack('find', '--format', '{name} {version} {compiler} {compiler.name} {compiler.version} {/hash:7}').stdout, transcript('130d-find-format-compiler-attr').stdout);
    assert.equal(paths(spack('find', '--format', '{name} {version} {hash} {prefix}', 'greet-paks', 'hello-paks').stdout), transcript('130-find-format-prefix').stdout);
    assert.equal(spack('install', 'nonexistent-pkg-xyz').stderr, transcript('11-install-nonexistent').stderr);
  });

  it('pushes layout v3: the recorded index blob byte for byte, the recorded spec blobs, signed manifests', async () => {
    assert.equal(spack('gpg', 'create', 'Paks Test', 'paks@example.com').code, 0);
    const pushed = spack('buildcache', 'push', '--update-index', cache, 'greet-paks');
    assert.equal(pushed.code, 0, pushed.stderr);
    const recorded = transcript('21-buildcache-push-signed');
    // Real Spack pushes in parallel and numbers the specs as they finish: compare without the numbers.
    const unnumbered = (s: string) => blobLines(s).replace(/\[\d\/\d\] /g, '').split('\n').sort();
    assert.deepEqual(unnumbered(paths(pushed.stdout)), unnumbered(recorded.stdout));
    assert.equal(paths(pushed.stderr), withoutTime(recorded.stderr));
    // The database blob is what real Spack wrote (the same specs make the same index).
    const index = 'blobs/sha256/80/80bad5c03d6cdafc12b984bdc5e3bb5a09ceedfe7b9f88d70d42951887de8f80';
    assert.deepEqual(await readFile(join(cache, index)), await readFile(join(RECORDED_V3, index)));
    assert.equal(await readFile(join(cache, 'v3/layout.json'), 'utf8'), await readFile(join(RECORDED_V3, 'v3/layout.json'), 'utf8'));
    const ours = await readBuildCache(cache);
    const real = await readBuildCache(RECORDED_V3);
    assert.deepEqual(ours.junk, []);
    for (const spec of real.specs) {
      const mine = ours.specs.find((s) => s.hash === spec.hash)!;
      assert.equal(gunzipSync(await readFile(join(cache, mine.specBlob!))).toString(), gunzipSync(await readFile(join(RECORDED_V3, spec.specBlob!))).toString(), spec.name);
      assert.ok(mine.signed);
    }
    const verify = spawnSync('gpg', ['--verify', join(cache, ours.specs[0]!.specFile)], { env: { ...process.env, GNUPGHOME: join(sr.root, 'opt', 'spack', 'gpg') }, encoding: 'utf8' });
    assert.match(verify.stderr, /Good signature/);
    assert.match(await readFile(join(cache, ours.specs[0]!.specFile), 'utf8'), /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n\{\n"version":3,\n"data":\[\n\{\n"contentLength":\d+,\n"mediaType":"application\/vnd\.spack\.install\.v2\.tar\+gzip",/);
  });

  it('refuses install -f with exit 3 and installs ./spec.json from the cache without concretizing', async () => {
    const greet = (await readBuildCache(cache)).specs.find((s) => s.name === 'greet-paks')!;
    const file = join(work, 'greet-paks.json');
    await writeFile(file, gunzipSync(await readFile(join(cache, greet.specBlob!))));
    const forced = spack('install', '-f', file);
    assert.equal(forced.code, 3);
    assert.equal(forced.stderr, transcript('153-install-f-json-is-force').stderr);
    assert.equal(spack('uninstall', '-y', '--dependents', 'hello-paks', 'gcc-runtime', 'compiler-wrapper').code, 0);
    assert.equal(spack('mirror', 'add', 'paks-local', `file://${cache}`).code, 0);
    const keys = spack('buildcache', 'keys', '--install', '--trust');
    assert.equal(keys.code, 0, keys.stderr);
    assert.equal(blobLines(paths(keys.stdout)), blobLines(transcript('40-buildcache-keys-install-trust').stdout));
    const installed = spack('install', '--use-buildcache', 'only', file);
    assert.equal(installed.code, 0, installed.stderr);
    const recorded = transcript('154-install-json-path-cache-only');
    assert.equal(timings(blobLines(paths(installed.stdout))), timings(blobLines(recorded.stdout)));
    assert.equal(installed.stderr.match(/Good signature/g)?.length, 3);
    assert.equal(spack('find', '-l').stdout, transcript('154b-find-after-json-install').stdout);
  });
});
