import assert from 'node:assert/strict';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { readAcceptedPublicKeys } from '../../src/trust/public-key.js';
import { verifyClearsigned } from '../../src/trust/verify-clearsigned.js';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { cacheDigest } from '../../src/signing/sign-cache.js';
import { exec, World, type Machine } from '../e2e/world.js';
import { testSpack } from '../helpers/spack.js';
import { makeKey } from '../trust/keys.js';

const GREET = testSpack.hashes['greet-paks'];

/** Every file of a folder, path → content, to show that a refused run changed nothing. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.set(join(entry.parentPath, entry.name), await readFile(join(entry.parentPath, entry.name), 'latin1'));
  }
  return out;
}

describe('paks sign: CI signs an unsigned cache in a job that runs no recipe', () => {
  let world: World;
  let registry: TestRegistry;
  let builder: Machine;
  let unsigned: string;
  let secretKey: string;
  let publicKey: string;
  let fingerprint: string;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    builder = await world.machine('builder');
    unsigned = join(world.dir, 'unsigned');
    const built = await builder.paks(['build', 'greet-paks', '--unsigned', '--cache-dir', unsigned]);
    assert.equal(built.exitCode, 0, built.stderr);
    const key = await makeKey('Community CI');
    secretKey = key.privateKey.armor();
    publicKey = key.publicKey.armor();
    fingerprint = key.publicKey.getFingerprint().toUpperCase();
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  test("the cache digest is the documented sha256sum pipeline's", async () => {
    const { stdout } = await exec('bash', ['-c', 'cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum', '_', unsigned]);
    assert.equal(await cacheDigest(unsigned), `sha256:${stdout.split(' ')[0]}`);
  });

  test('a cache that is not what the build job reported is refused, and left as it was', async () => {
    const copy = join(world.dir, 'changed');
    await cp(unsigned, copy, { recursive: true });
    const before = await snapshot(copy);
    const result = await runWithInput(builder, ['sign', copy, '--key-file', '-', '--expect-digest', `sha256:${'0'.repeat(64)}`], secretKey);
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stderr, /is not the build cache the build job made/);
    assert.deepEqual(await snapshot(copy), before);
  });

  test('a tampered tarball is refused before anything is signed', async () => {
    const copy = join(world.dir, 'tampered');
    await cp(unsigned, copy, { recursive: true });
    const cache = await readBuildCache(copy);
    const greet = cache.specs.find((s) => s.hash === GREET)!;
    await writeFile(join(copy, greet.tarball), 'not the tarball Spack wrote');
    const keyFile = join(world.dir, 'ci-key.asc');
    await writeFile(keyFile, secretKey, { mode: 0o600 });
    const result = await builder.paks(['sign', copy, '--key-file', keyFile]);
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stderr, /does not match its spec/);
    assert.ok((await readBuildCache(copy)).specs.every((s) => !s.signed));
  });

  test('--key-file - signs every spec in place, publishes the key as Spack does, and verifies', async () => {
    const digest = await cacheDigest(unsigned);
    const empty = await builder.paks(['sign', unsigned, '--key-file', '-', '--expect-digest', digest]);
    assert.equal(empty.exitCode, 2, 'empty standard input: no key to import');
    assert.match(empty.stderr, /standard input does not hold an armored OpenPGP secret key/);
    const signed = await runWithInput(builder, ['sign', unsigned, '--key-file', '-', '--expect-digest', digest, '--json'], secretKey);
    assert.equal(signed.exitCode, 0, signed.stderr);
    const report = JSON.parse(signed.stdout);
    assert.equal(report.fingerprint, fingerprint);
    assert.ok(report.signed.includes(`greet-paks@1.0.0/${GREET.slice(0, 7)}`), report.signed.join(', '));
    assert.ok(!`${signed.stdout}${signed.stderr}`.includes('PRIVATE KEY'), 'the secret key never appears');

    const keys = await readAcceptedPublicKeys(publicKey, 'test key');
    const cache = await readBuildCache(unsigned, { verifySpec: async (text, file) => (await verifyClearsigned(text, keys, { file })).payload });
    assert.ok(cache.specs.every((s) => s.signed));
    assert.equal(cache.specs.length, report.signed.length);
    assert.deepEqual(cache.keys.map((k) => k.fingerprint), [fingerprint]);
    const files = [...(await snapshot(unsigned)).keys()].map((f) => f.slice(unsigned.length + 1));
    if (cache.layout === 2) {
      assert.ok(!files.some((f) => f.endsWith('.spec.json')), 'no unsigned spec file is left beside a signed one');
      assert.ok(files.includes('build_cache/_pgp/index.json'));
    } else {
      assert.ok(files.includes(`v3/manifests/key/${fingerprint}.key.manifest.json`));
      assert.ok(files.includes('v3/manifests/key/keys.manifest.json'));
    }

    const again = await runWithInput(builder, ['sign', unsigned, '--key-file', '-'], secretKey);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout, /Already signed greet-paks@1\.0\.0/);
    assert.doesNotMatch(again.stdout, /^Signed/m);

    const other = await makeKey('Someone Else');
    const refused = await runWithInput(builder, ['sign', unsigned, '--key-file', '-'], other.privateKey.armor());
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /is already signed, and not by/);
  });

  test('a user who trusts the key installs the pushed, signed cache', async () => {
    const pushed = await builder.paks(['push', '--index', unsigned, `${registry.host}/ci/greet-paks`]);
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    const user = await world.machine('user', { registries: [`${registry.host}/ci`] });
    const keyFile = join(world.dir, 'publisher.asc');
    await writeFile(keyFile, publicKey);
    assert.equal((await user.paks(['key', 'trust', keyFile])).exitCode, 0);
    const installed = await user.paks(['install', '--cache-only', 'greet-paks']);
    assert.equal(installed.exitCode, 0, installed.stderr);
  });
});

function runWithInput(machine: Machine, args: string[], input: string) {
  return machine.paks(args, {}, { input });
}
