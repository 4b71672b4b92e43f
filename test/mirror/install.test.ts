/**
 * `paks install` from Spack mirrors over loopback HTTPS and file://: a signed build cache that
 * `paks build` made with the stand-in (layout v3 under Spack 1.1, v2 under 0.23), copies of it
 * damaged in the ways a mirror can be, and the real signed caches of the recordings
 * (test/fixtures/buildcache: v3-signed from Spack 1.1, signed/ from Spack 0.23).
 */
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { serveDirectory, type StaticHttps } from '../helpers/static-https.js';
import { testSpack } from '../helpers/spack.js';
import { World, type Machine } from '../e2e/world.js';

const GREET = testSpack.hashes['greet-paks'];
const RECORDED = testSpack.layout === 3
  ? { dir: fileURLToPath(new URL('../fixtures/buildcache/v3-signed/', import.meta.url)), key: 'blobs/sha256/34/34eb7fb08354fc7eadca8f005a15a3e98738805b3c821fd7d4cbf128248df916', fingerprint: '3691BEDD46702B7A9437CF3EBD405FA2A480F561' }
  : { dir: fileURLToPath(new URL('../fixtures/buildcache/signed/', import.meta.url)), key: 'build_cache/_pgp/07FBB82C9AB40B37396FFDFA24B7E59CCC304FFD.pub', fingerprint: '07FBB82C9AB40B37396FFDFA24B7E59CCC304FFD' };
const OTHER_LAYOUT = fileURLToPath(new URL(testSpack.layout === 3 ? '../fixtures/buildcache/signed/' : '../fixtures/buildcache/v3-signed/', import.meta.url));

describe(`paks install from a Spack mirror (layout v${testSpack.layout})`, () => {
  let world: World;
  let mirror: string;
  let server: StaticHttps;
  let publicKey: string;
  let sharedCache: string;

  before(async () => {
    world = await World.create();
    const builder = await world.machine('builder');
    assert.equal((await builder.paks(['key', 'create'])).exitCode, 0);
    publicKey = join(world.dir, 'publisher.asc');
    assert.equal((await builder.paks(['key', 'export', publicKey])).exitCode, 0);
    mirror = join(world.dir, 'mirror');
    const built = await builder.paks(['build', 'greet-paks', '--cache-dir', mirror]);
    assert.equal(built.exitCode, 0, built.stderr);
    server = await serveDirectory(world.dir);
    sharedCache = join(world.dir, 'paks-cache');
  });
  after(async () => {
    await server?.stop();
    await world?.dispose();
  });

  /** A user who trusts the publisher's key (or not), looking only in `mirrors`. */
  async function user(name: string, mirrors: string[], options: { trust?: string | false } = {}): Promise<Machine & { install(args: string[]): ReturnType<Machine['paks']> }> {
    const machine = await world.machine(name);
    if (options.trust !== false) {
      const trusted = await machine.paks(['key', 'trust', options.trust ?? publicKey]);
      assert.equal(trusted.exitCode, 0, trusted.stderr);
    }
    const env = { PAKS_TRUSTED_MIRRORS: mirrors.join(','), NODE_EXTRA_CA_CERTS: server.certPath, PAKS_CACHE_DIR: sharedCache };
    return { ...machine, install: (args) => machine.paks(['install', ...args], env) };
  }

  /** A copy of the built mirror, changed by `damage`, served at https://…/<name>/. */
  async function damagedCopy(name: string, damage: (dir: string) => Promise<void>): Promise<string> {
    const dir = join(world.dir, name);
    await cp(mirror, dir, { recursive: true });
    await damage(dir);
    return `${server.url}${name}/`;
  }

  const greetSpecFile = async (dir: string) => (await readBuildCache(dir)).specs.find((s) => s.name === 'greet-paks')!;

  it('installs the verified binary over HTTPS, and a second install with the cached index downloads no index', async () => {
    const url = `${server.url}mirror/`;
    const alice = await user('alice', [url]);
    server.requests.length = 0;
    const result = await alice.install(['greet-paks']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /greet-paks@1\.0\.0: verified binary from https:\/\/127\.0\.0\.1:\d+\/mirror@sha256:/);
    assert.match(result.stdout, new RegExp(`greet-paks-1\\.0\\.0-${GREET}$`, 'm'));
    assert.match(result.stderr, /Read the index of https:\/\/127\.0\.0\.1:\d+\/mirror: 3 binaries\./);
    const indexFiles = (paths: string[]) => paths.filter((p) => /index\.json|manifests\/index\//.test(p));
    assert.ok(indexFiles(server.requests.map((r) => r.path)).length > 0);
    const listed = await alice.paks(['list']);
    assert.match(listed.stdout, /greet-paks@1\.0\.0/);

    // Another user, the same cache folder, within mirror_index_ttl: not even a conditional request.
    const bob = await user('bob', [url]);
    server.requests.length = 0;
    const again = await bob.install(['greet-paks']);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.deepEqual(indexFiles(server.requests.map((r) => r.path)), []);
    assert.doesNotMatch(again.stderr, /Read the index/);
    assert.ok(server.requests.some((r) => r.path.includes('greet-paks')), 'the signed spec was fetched');
  });

  it('installs from a file:// mirror', async () => {
    const carol = await user('carol', [pathToFileURL(mirror).href]);
    const result = await carol.install(['greet-paks', '--cache-only']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /greet-paks@1\.0\.0: verified binary from file:\/\/\/.*\/mirror@sha256:/);
  });

  it('refuses a tampered tarball before Spack sees it', async () => {
    const url = await damagedCopy('tampered', async (dir) => {
      const tarball = join(dir, (await greetSpecFile(dir)).tarball);
      const bytes = await readFile(tarball);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await writeFile(tarball, bytes);
    });
    const dave = await user('dave', [url]);
    const result = await dave.install(['greet-paks']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /Refusing the binary of greet-paks from https:\/\/127\.0\.0\.1:\d+\/tampered: the tarball of greet-paks@1\.0\.0.* does not match/);
    assert.doesNotMatch((await dave.paks(['list'])).stdout, /greet-paks/);
  });

  it('refuses a spec signed by a key the user does not trust', async () => {
    const erin = await user('erin', [`${server.url}mirror/`], { trust: false });
    const result = await erin.install(['greet-paks']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /Refusing the binary of greet-paks from https:\/\/127\.0\.0\.1:\d+\/mirror: .* is signed by key [0-9A-F]{16}, which is not among your trusted keys \(you trust no keys yet\)/);
  });

  it('passes over an index entry whose signed spec is missing, saying so', async () => {
    const url = await damagedCopy('missing-spec', async (dir) => rm(join(dir, (await greetSpecFile(dir)).specFile)));
    const frank = await user('frank', [url]);
    const result = await frank.install(['greet-paks', '--cache-only']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, new RegExp(`No binary of greet-paks .*https://127\\.0\\.0\\.1:\\d+/missing-spec's index lists greet-paks@1\\.0\\.0.*/${GREET.slice(0, 7)}, but the mirror has no ${testSpack.specFileOf({ name: 'greet-paks', version: '1.0.0', hash: GREET }).replace(/[.]/g, '\\.')}`));
  });

  it('checks the real signed cache of the recording: its signatures verify, its left-out tarballs are missing', async () => {
    const served = join(world.dir, 'recorded');
    await cp(RECORDED.dir, served, { recursive: true });
    const keyFile = join(world.dir, 'recorded.asc');
    await cp(join(RECORDED.dir, RECORDED.key), keyFile);
    const grace = await user('grace', [`${server.url}recorded/`], { trust: keyFile });
    const result = await grace.install(['greet-paks', '--cache-only']);
    assert.equal(result.exitCode, 1);
    // Past the signature: the recording left the tarball blobs out.
    assert.match(result.stderr, /No binary of greet-paks .*the tarball of (gcc-runtime|hello-paks|greet-paks)@.* is missing/);
    const untrusting = await user('heidi', [`${server.url}recorded/`], { trust: false });
    const refused = await untrusting.install(['greet-paks', '--cache-only']);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, new RegExp(`is signed by key ${RECORDED.fingerprint.slice(-16)}|is signed by key [0-9A-F]{16}, which is not among your trusted keys`));
  });

  it('says when a mirror holds only the layout another Spack writes', async () => {
    const ivan = await user('ivan', [pathToFileURL(OTHER_LAYOUT).href]);
    const result = await ivan.install(['greet-paks', '--cache-only']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, new RegExp(`holds build-cache layout v${testSpack.layout === 3 ? 2 : 3}, written by Spack ${testSpack.layout === 3 ? '0\\.23' : '1'}.*which this Spack ${testSpack.version.replace(/\./g, '\\.')} cannot install`));
  });
});
