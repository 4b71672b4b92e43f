import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { validateOciIndex, validateOciManifest } from '../helpers/oci-schemas.js';
import { schemaErrors, validateCycloneDx, validateSpdx } from '../sbom/schemas.js';
import { readAcceptedPublicKeys } from '../../src/trust/public-key.js';
import { verifyClearsigned } from '../../src/trust/verify-clearsigned.js';
import { exec, World, type Machine } from './world.js';
import { SPACK_0_23, SPACK_1_1, testSpack } from '../helpers/spack.js';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';

const GREET = testSpack.hashes['greet-paks'];
const HELLO = testSpack.hashes['hello-paks'];
const RUNTIME = testSpack.hashes['gcc-runtime'];
const GREET_TAG = `1.0.0-${GREET.slice(0, 7)}`;

async function files(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(d: string) {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.set(relative(dir, path), createHash('sha256').update(await readFile(path)).digest('hex'));
    }
  }
  await walk(dir);
  return out;
}

async function manifest(registry: TestRegistry, repo: string, ref: string, accept: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${registry.url}/v2/${repo}/manifests/${ref}`, { headers: { accept } });
  assert.equal(response.status, 200, `${repo}:${ref}`);
  return (await response.json()) as Record<string, unknown>;
}
const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('build → push → pull → install, with real gpg and a real registry', () => {
  let world: World;
  let registry: TestRegistry;
  let builder: Machine;
  let fingerprint: string;
  let publicKey: string;
  let cacheDir: string;
  let pushed: string;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    builder = await world.machine('builder');
    const created = await builder.paks(['key', 'create']);
    assert.equal(created.exitCode, 0, created.stderr);
    fingerprint = created.stdout.trim();
    publicKey = join(world.dir, 'publisher.asc');
    const exported = await builder.paks(['key', 'export', publicKey]);
    assert.equal(exported.exitCode, 0, exported.stderr);
    cacheDir = join(world.dir, 'cache');
    const built = await builder.paks(['build', 'greet-paks', '--cache-dir', cacheDir, '--push', `${registry.host}/paks/greet-paks`]);
    assert.equal(built.exitCode, 0, built.stderr);
    pushed = built.stdout;
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  test('paks key create makes one persistent key and refuses a second', async () => {
    assert.match(fingerprint, /^[0-9A-F]{40}$/);
    const again = await builder.paks(['key', 'create']);
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /already holds a signing key/);
    const list = JSON.parse((await builder.paks(['key', 'list', '--json'])).stdout);
    assert.equal(list.signing.length, 1);
    assert.equal(list.signing[0].fingerprint, fingerprint);
  });

  test('the cache has the layout real Spack writes, plus SBOMs and the public key', async () => {
    const names = [...(await files(cacheDir)).keys()].sort();
    const specs = [['gcc-runtime', '12.2.0', RUNTIME], ['greet-paks', '1.0.0', GREET], ['hello-paks', '1.1.0', HELLO]] as const;
    if (testSpack.layout === 2) {
      for (const [name, version, hash] of specs) {
        const full = `linux-debian12-icelake-gcc-12.2.0-${name}-${version}-${hash}`;
        assert.ok(names.includes(`build_cache/${full}.spec.json.sig`), full);
        assert.ok(names.includes(`build_cache/linux-debian12-icelake/gcc-12.2.0/${name}-${version}/${full}.spack`), `${full}.spack`);
        assert.ok(names.includes(`build_cache/${full}.cdx.json`));
        assert.ok(names.includes(`build_cache/${full}.spdx.json`));
      }
      for (const name of ['build_cache/index.json', 'build_cache/index.json.hash', `build_cache/_pgp/${fingerprint}.pub`, 'build_cache/_pgp/index.json']) {
        assert.ok(names.includes(name), name);
      }
    } else {
      // Layout v3 (Spack 1.1 transcript 23), without the build-only compiler-wrapper (--without-build-dependencies).
      const cache = await readBuildCache(cacheDir);
      assert.equal(cache.layout, 3);
      assert.deepEqual(cache.junk, []);
      assert.deepEqual(cache.specs.map((s) => `${s.name}-${s.version}-${s.hash}`), specs.map((s) => s.join('-')));
      for (const spec of cache.specs) {
        assert.ok(names.includes(testSpack.specFileOf(spec)));
        assert.ok(spec.tarballPresent && names.includes(spec.tarball), spec.tarball);
        assert.ok(names.includes(`sbom/${spec.name}-${spec.version}-${spec.hash}.cdx.json`));
        assert.ok(names.includes(`sbom/${spec.name}-${spec.version}-${spec.hash}.spdx.json`));
      }
      for (const name of ['v3/layout.json', 'v3/manifests/index/index.manifest.json', 'v3/manifests/key/keys.manifest.json', `v3/manifests/key/${fingerprint}.key.manifest.json`]) {
        assert.ok(names.includes(name), name);
      }
      assert.deepEqual(cache.keys.map((k) => k.fingerprint), [fingerprint]);
    }
    assert.match(pushed, /Build cache: /);
    assert.match(pushed, new RegExp(`Pushed 127\\.0\\.0\\.1:\\d+/paks/greet-paks:${GREET_TAG}@sha256:[0-9a-f]{64}`));
  });

  test('every signature verifies with gpg --verify and with openpgp', async () => {
    const gnupg = join(world.dir, 'verify-gnupg');
    await exec('mkdir', ['-m', '700', gnupg]);
    const published = (await readBuildCache(cacheDir)).keys.find((k) => k.fingerprint === fingerprint)!;
    await exec('gpg', ['--homedir', gnupg, '--batch', '--import', join(cacheDir, published.file)]);
    const keys = await readAcceptedPublicKeys(await readFile(publicKey, 'utf8'), publicKey);
    const sigs = [...(await files(cacheDir)).keys()].filter((f) => f.endsWith('.spec.json.sig') || f.endsWith('.spec.manifest.json'));
    assert.equal(sigs.length, 3);
    for (const sig of sigs) {
      const { stderr } = await exec('gpg', ['--homedir', gnupg, '--batch', '--verify', join(cacheDir, sig)]);
      assert.match(stderr, /Good signature/);
      const text = await readFile(join(cacheDir, sig), 'utf8');
      assert.match(text, /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n/);
      const verified = await verifyClearsigned(text, keys, { file: sig });
      assert.equal(verified.fingerprint, fingerprint);
    }
    await exec('gpgconf', ['--homedir', gnupg, '--kill', 'gpg-agent']).catch(() => {});
  });

  test('the SBOMs in the cache are valid CycloneDX 1.6 and SPDX 2.3', async () => {
    const names = [...(await files(cacheDir)).keys()];
    for (const name of names.filter((n) => n.endsWith('.cdx.json'))) {
      const bom = JSON.parse(await readFile(join(cacheDir, name), 'utf8'));
      assert.ok(validateCycloneDx(bom), schemaErrors(validateCycloneDx));
    }
    for (const name of names.filter((n) => n.endsWith('.spdx.json'))) {
      const doc = JSON.parse(await readFile(join(cacheDir, name), 'utf8'));
      assert.ok(validateSpdx(doc), schemaErrors(validateSpdx));
    }
  });

  test('the registry holds a valid manifest per build and a per-platform index at version and latest', async () => {
    const m = await manifest(registry, 'paks/greet-paks', GREET_TAG, MANIFEST);
    assert.ok(validateOciManifest(m), JSON.stringify(validateOciManifest.errors));
    assert.equal(m.artifactType, 'application/vnd.paks.spack.buildcache.v1+json');
    for (const tag of ['1.0.0', 'latest']) {
      const index = await manifest(registry, 'paks/greet-paks', tag, INDEX);
      assert.ok(validateOciIndex(index), JSON.stringify(validateOciIndex.errors));
      const entries = index.manifests as Array<{ platform: { os: string; architecture: string }; annotations: Record<string, string> }>;
      assert.equal(entries.length, 1);
      assert.deepEqual(entries[0]!.platform, { os: 'linux', architecture: 'amd64' });
      assert.equal(entries[0]!.annotations['dev.paks.spack.target'], testSpack.target);
      // What it runs on, readable without downloading its spec.
      assert.equal(entries[0]!.annotations['dev.paks.spack.libc'], 'glibc@2.36');
      assert.equal(entries[0]!.annotations['dev.paks.spack.libc-prefix'], '/usr');
      assert.equal(entries[0]!.annotations['dev.paks.spack.target-family'], testSpack.target === 'icelake' ? 'x86_64_v4' : 'x86_64_v3');
    }
  });

  test('paks pull recreates the cache byte for byte', async () => {
    const into = join(world.dir, 'pulled');
    const pulled = await builder.paks(['pull', `${registry.host}/paks/greet-paks:${GREET_TAG}`, into]);
    assert.equal(pulled.exitCode, 0, pulled.stderr);
    assert.deepEqual(await files(into), await files(cacheDir));
  });

  test('a build for another platform joins the index instead of replacing it', async () => {
    const arm = await world.machine('arm-builder', { arch: 'linux-debian12-neoverse_v1' });
    const built = await arm.paks(['build', 'greet-paks', '--unsigned', '--push', `${registry.host}/paks/greet-paks`]);
    assert.equal(built.exitCode, 0, built.stderr);
    const index = await manifest(registry, 'paks/greet-paks', 'latest', INDEX);
    const targets = (index.manifests as Array<{ platform: { architecture: string }; annotations: Record<string, string> }>).map((e) => `${e.platform.architecture}/${e.annotations['dev.paks.spack.target']}`).sort();
    assert.deepEqual(targets, [`amd64/${testSpack.target}`, 'arm64/neoverse_v1']);
  });

  test('a clean machine installs the verified binary, writes SBOMs and reports where it came from', async () => {
    const user = await world.machine('user', { registries: [`${registry.host}/paks`] });
    assert.equal((await user.paks(['key', 'trust', publicKey])).exitCode, 0);
    const result = await user.paks(['install', '--json', 'greet-paks']);
    assert.equal(result.exitCode, 0, result.stderr);
    const [root] = JSON.parse(result.stdout);
    assert.equal(root.name, 'greet-paks');
    assert.equal(root.origin.kind, 'binary');
    assert.equal(root.origin.verified, true);
    assert.match(root.origin.digest, /^sha256:[0-9a-f]{64}$/);
    assert.doesNotMatch(result.stderr, /installing from source/);
    const sbom = JSON.parse(await readFile(root.sbom, 'utf8'));
    assert.ok(validateCycloneDx(sbom), schemaErrors(validateCycloneDx));
    const spdx = JSON.parse(await readFile(root.sbom.replace('.cdx.json', '.spdx.json'), 'utf8'));
    assert.ok(validateSpdx(spdx), schemaErrors(validateSpdx));
    const listed = JSON.parse((await user.paks(['list', '--json'])).stdout) as Array<{ name: string }>;
    assert.deepEqual(listed.map((s) => s.name).sort(), testSpack.installedWithGreet);
    // The user's Spack configuration is left as it was: no mirror was added to it.
    const mirrors = await readFile(join(user.env.SPACK_USER_CONFIG_PATH!, 'mirrors.yaml'), 'utf8').catch(() => '');
    assert.doesNotMatch(mirrors, /paks/);
  });

  test('without the publisher key the binary is refused, and nothing is installed', async () => {
    const stranger = await world.machine('stranger', { registries: [`${registry.host}/paks`] });
    const result = await stranger.paks(['install', 'greet-paks']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /Refusing the binary of greet-paks/);
    assert.match(result.stderr, /not among your trusted keys/);
    assert.match(result.stderr, /paks key trust/);
    assert.equal((await stranger.paks(['list', 'greet-paks', '--json'])).stdout.trim(), '[]');
  });

  test('an unsigned artifact is refused unless --no-verify, which says so', async () => {
    const unsignedCache = join(world.dir, 'unsigned');
    const built = await builder.paks(['build', 'hello-paks', '--unsigned', '--cache-dir', unsignedCache, '--push', `${registry.host}/unsigned/hello-paks`]);
    assert.equal(built.exitCode, 0, built.stderr);
    const user = await world.machine('unsigned-user', { registries: [`${registry.host}/unsigned`] });
    await user.paks(['key', 'trust', publicKey]);
    const refused = await user.paks(['install', 'hello-paks']);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /is not signed/);
    const accepted = await user.paks(['install', '--no-verify', 'hello-paks']);
    assert.equal(accepted.exitCode, 0, accepted.stderr);
    assert.match(accepted.stderr, /--no-verify/);
  });

  test('a tampered blob is caught while it streams and nothing is installed', async () => {
    const m = await manifest(registry, 'paks/greet-paks', GREET_TAG, MANIFEST);
    const greetTarball = (await readBuildCache(cacheDir)).specs.find((s) => s.name === 'greet-paks')!.tarball;
    const tarball = (m.layers as Array<{ digest: string; annotations: Record<string, string> }>).find((l) => l.annotations['org.opencontainers.image.title'] === greetTarball)!;
    const hex = tarball.digest.slice('sha256:'.length);
    const data = join(registry.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const original = await readFile(data);
    const bad = Buffer.from(original);
    bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0xff;
    await writeFile(data, bad);
    try {
      const user = await world.machine('victim', { registries: [`${registry.host}/paks`] });
      await user.paks(['key', 'trust', publicKey]);
      // Its own temporary folder: other tests pull greet-paks at the same time into the shared one.
      const tmp = await mkdtemp(join(world.dir, 'victim-tmp-'));
      const result = await user.paks(['install', 'greet-paks'], { TMPDIR: tmp });
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /Refusing the binary of greet-paks/);
      assert.match(result.stderr, /does not match/);
      assert.equal((await user.paks(['list', 'greet-paks', '--json'])).stdout.trim(), '[]');
      assert.deepEqual((await readdir(tmp)).filter((n) => n.startsWith('paks-')), [], 'no pulled files or scopes left behind');
    } finally {
      await writeFile(data, original);
    }
  });

  test('an index with only a target this CPU cannot run falls back to a source build; --cache-only fails', async () => {
    const other = await world.machine('haswell', { arch: 'linux-ubuntu22.04-haswell', registries: [`${registry.host}/paks`] });
    await other.paks(['key', 'trust', publicKey]);
    const only = await other.paks(['install', '--cache-only', 'greet-paks']);
    assert.equal(only.exitCode, 1);
    assert.match(only.stderr, /No binary of greet-paks for linux-ubuntu22\.04-haswell: no binary of greet-paks fits this machine \((glibc [0-9.]+|ubuntu22\.04), haswell\): the registry has /);
    assert.match(only.stderr, new RegExp(`the registry has (glibc ≥ 2\\.36|debian12) for ${testSpack.target === 'icelake' ? 'x86_64_v4' : 'x86_64_v3'}`));
    const built = await other.paks(['install', '--json', 'greet-paks']);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.equal(JSON.parse(built.stdout)[0].origin.kind, 'source');
    assert.match(built.stderr, /building from source/);
  });

  test('another os string whose glibc fits installs the binary: Spack decides by libc, not by os', async () => {
    const other = await world.machine('ubuntu', { arch: `linux-ubuntu22.04-${testSpack.target}`, registries: [`${registry.host}/paks`] });
    await other.paks(['key', 'trust', publicKey]);
    const result = await other.paks(['install', '--cache-only', '--json', 'greet-paks']);
    assert.equal(result.exitCode, 0, result.stderr);
    const [root] = JSON.parse(result.stdout);
    assert.equal(root.origin.kind, 'binary');
    assert.equal(root.origin.verified, true);
    assert.equal(root.hash, GREET);
  });

  test('a binary built against a newer glibc is refused in one line; without the annotations, after reading its spec', async () => {
    const future = await world.machine('future', { registries: [`${registry.host}/future`] });
    const built = await future.paks(['build', 'greet-paks', '--unsigned', '--push', `${registry.host}/future/greet-paks`], { SPACK_STANDIN_GLIBC: '99.1' });
    assert.equal(built.exitCode, 0, built.stderr);
    const user = await world.machine('today', { registries: [`${registry.host}/future`] });
    const refused = await user.paks(['install', '--cache-only', '--no-verify', 'greet-paks']);
    assert.equal(refused.exitCode, 1);
    const family = testSpack.target === 'icelake' ? 'x86_64_v4' : 'x86_64_v3';
    assert.match(refused.stderr, new RegExp(`no binary of greet-paks fits this machine \\(glibc [0-9.]+, ${testSpack.target}\\): the registry has glibc ≥ 99\\.1 for ${family}`));
    // An index written before Paks annotated the libc: the entry is taken by its os, then its verified spec refuses it.
    const index = await manifest(registry, 'future/greet-paks', 'latest', INDEX);
    for (const entry of index.manifests as Array<{ annotations: Record<string, string> }>) {
      for (const key of ['dev.paks.spack.libc', 'dev.paks.spack.libc-prefix', 'dev.paks.spack.target-family']) delete entry.annotations[key];
    }
    const put = await fetch(`${registry.url}/v2/future/greet-paks/manifests/latest`, { method: 'PUT', headers: { 'content-type': INDEX }, body: JSON.stringify(index) });
    assert.equal(put.status, 201);
    const old = await user.paks(['install', '--cache-only', '--no-verify', 'greet-paks']);
    assert.equal(old.exitCode, 1);
    assert.match(old.stderr, /the registry's greet-paks needs glibc 99\.1, newer than this machine's [0-9.]+/);
    assert.equal((await user.paks(['list', 'greet-paks', '--json'])).stdout.trim(), '[]');
  });

  test('a binary built by the other Spack release is refused in one sentence, then built from source', async () => {
    const other = testSpack.series === '1.1' ? SPACK_0_23 : SPACK_1_1;
    const user = await world.machine('other-spack', { spack: other, arch: testSpack.arch, registries: [`${registry.host}/paks`] });
    await user.paks(['key', 'trust', publicKey]);
    const only = await user.paks(['install', '--cache-only', 'greet-paks']);
    assert.equal(only.exitCode, 1);
    const built = testSpack.layout === 3 ? 'Spack 1\\.x \\(build-cache layout v3\\)' : 'Spack 0\\.23 \\(or older\\) \\(build-cache layout v2\\)';
    assert.match(only.stderr, new RegExp(`its binary was built by ${built}, which this Spack ${other.version.replace(/\./g, '\\.')} cannot install; rebuild it with Spack ${other.version.replace(/\./g, '\\.')}`));
    assert.equal((await user.paks(['list', 'greet-paks', '--json'])).stdout.trim(), '[]');
    const fallback = await user.paks(['install', '--json', 'greet-paks']);
    assert.equal(fallback.exitCode, 0, fallback.stderr);
    assert.equal(JSON.parse(fallback.stdout)[0].origin.kind, 'source');
    assert.match(fallback.stderr, /its binary was built by .+; building from source/);
  });

  test('an unreachable registry is one line, then a source build', async () => {
    const offline = await world.machine('offline', { registries: ['127.0.0.1:9/nowhere'] });
    const result = await offline.paks(['install', '--json', 'hello-paks']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout)[0].origin.kind, 'source');
    assert.equal(result.stderr.split('\n').filter((l) => l.includes('127.0.0.1:9')).length, 1);
  });

  test('bad build inputs: unknown key, unknown package, --push with --pushd, unreachable push target', async () => {
    const unknownKey = await builder.paks(['build', 'hello-paks', '--key', 'DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEF']);
    assert.equal(unknownKey.exitCode, 1);
    assert.match(unknownKey.stderr, /no signing key DEADBEEF/i);
    const unknownPackage = await builder.paks(['build', 'no-such-package']);
    assert.equal(unknownPackage.exitCode, 1);
    assert.ok(unknownPackage.stderr.includes(testSpack.unknownPackage('no-such-package')), unknownPackage.stderr);
    const both = await builder.paks(['build', 'hello-paks', '--push', 'x.io/a/b', '--pushd']);
    assert.equal(both.exitCode, 2);
    const keep = join(world.dir, 'kept');
    const unreachable = await builder.paks(['build', 'hello-paks', '--cache-dir', keep, '--push', '127.0.0.1:9/paks/hello-paks']);
    assert.equal(unreachable.exitCode, 1);
    assert.match(unreachable.stderr, /The build cache is kept in/);
    assert.ok((await files(keep)).size > 0);
    await rm(keep, { recursive: true, force: true });
  });

  test('--pushd pushes each package to trusted_packages_registry/<name>; --no-cleanup keeps the cache', async () => {
    const result = await builder.paks(['build', 'hello-paks', '--unsigned', '--pushd', '--no-cleanup'], { PAKS_TRUSTED_PACKAGES_REGISTRY: `${registry.host}/community` });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Pushed 127\\.0\\.0\\.1:\\d+/community/hello-paks:1\\.1\\.0-${HELLO.slice(0, 7)}@sha256:`));
    const kept = /^Build cache: (.+)$/m.exec(result.stdout)?.[1];
    assert.ok(kept, 'the kept cache is named');
    assert.ok((await files(kept!)).size > 0);
    await rm(kept!, { recursive: true, force: true });
    const index = await manifest(registry, 'community/hello-paks', '1.1.0', INDEX);
    assert.equal((index.manifests as unknown[]).length, 1);
  });

  test('a key that needs a passphrase is refused before the build starts', async () => {
    const gnupg = join(world.dir, 'locked-gnupg');
    await exec('mkdir', ['-m', '700', gnupg]);
    const params = join(world.dir, 'locked.params');
    await writeFile(params, 'Key-Type: RSA\nKey-Length: 2048\nName-Real: Locked\nName-Email: locked@example.com\nPassphrase: not-typed-in-ci\n%commit\n');
    await exec('gpg', ['--homedir', gnupg, '--batch', '--pinentry-mode', 'loopback', '--gen-key', params]);
    const { stdout: secret } = await exec('gpg', ['--homedir', gnupg, '--batch', '--pinentry-mode', 'loopback', '--passphrase', 'not-typed-in-ci', '--armor', '--export-secret-keys']);
    await exec('gpgconf', ['--homedir', gnupg, '--kill', 'gpg-agent']).catch(() => {});
    const file = join(world.dir, 'locked.asc');
    await writeFile(file, secret);
    const ci = await world.machine('locked-ci');
    assert.equal((await ci.paks(['key', 'import', file])).exitCode, 0);
    const result = await ci.paks(['build', 'hello-paks']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /cannot sign without a prompt/);
    assert.doesNotMatch(result.stderr + result.stdout, /==> Installing/, 'refused before building');
  });
});
