/**
 * `paks key trust` with a check: a key from a URL (https on loopback, file://), a mirror's key
 * manifest or a mirror's root, is stored only when its fingerprint is the one the user gave;
 * a known publisher's name brings its known fingerprint.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runPaks } from '../helpers/cli.js';
import { serveDirectory, type StaticHttps } from '../helpers/static-https.js';
import { CACHE_FPR, CACHE_KEY_FILE } from './keys.js';

const V3 = fileURLToPath(new URL('../fixtures/buildcache/v3-signed/', import.meta.url));
const V2 = fileURLToPath(new URL('../fixtures/buildcache/signed/', import.meta.url));
const V3_FPR = '3691BEDD46702B7A9437CF3EBD405FA2A480F561';
const SPACK_FPR = '2C8DD3224EF3573A42BD221FA8E0CA3C1C2ADA2F';

let server: StaticHttps;
let scratch: string;
before(async () => {
  server = await serveDirectory(V3);
  scratch = await mkdtemp(join(tmpdir(), 'paks-key-trust-'));
});
after(async () => {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function user() {
  const home = await mkdtemp(join(scratch, 'home-'));
  const trusted = async () => readdir(join(home, '.paks', 'trusted-keys')).catch(() => []);
  const paks = (args: string[], env: Record<string, string> = {}) => runPaks(['key', 'trust', ...args], { home, env: { NODE_EXTRA_CA_CERTS: server.certPath, ...env } });
  return { home, trusted, paks };
}

describe('paks key trust URL --fingerprint', () => {
  it('trusts the key a layout-v3 key manifest names over https, its blob checked', async () => {
    const { paks, trusted } = await user();
    const result = await paks([`${server.url}v3/manifests/key/${V3_FPR}.key.manifest.json`, '--fingerprint', V3_FPR.toLowerCase().replace(/(.{4})/g, '$1 ')]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Trusted ${V3_FPR} `));
    assert.deepEqual(await trusted(), [`${V3_FPR}.asc`]);
  });

  it('trusts the key a mirror publishes when given the mirror itself', async () => {
    const { paks, trusted } = await user();
    const result = await paks([server.url, '--fingerprint', V3_FPR]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await trusted(), [`${V3_FPR}.asc`]);
  });

  it('refuses a key whose fingerprint is not the one given, and stores nothing', async () => {
    const { paks, trusted } = await user();
    const result = await paks([`${server.url}v3/manifests/key/${V3_FPR}.key.manifest.json`, '--fingerprint', CACHE_FPR]);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, new RegExp(`has fingerprint ${V3_FPR}, not the expected ${CACHE_FPR}, so Paks did not trust it`));
    assert.deepEqual(await trusted(), []);
  });

  it('needs --fingerprint for a URL, and a full one', async () => {
    const { paks, trusted } = await user();
    const bare = await paks([`${server.url}v3/manifests/key/${V3_FPR}.key.manifest.json`]);
    assert.equal(bare.exitCode, 2);
    assert.match(bare.stderr, /needs the fingerprint you expect it to have \(--fingerprint\)/);
    const short = await paks([server.url, '--fingerprint', V3_FPR.slice(-16)]);
    assert.equal(short.exitCode, 2);
    assert.match(short.stderr, /not a full key fingerprint/);
    const plain = await paks([`http://127.0.0.1:1/key.pub`, '--fingerprint', V3_FPR]);
    assert.equal(plain.exitCode, 2);
    assert.match(plain.stderr, /reads only https:\/\/ and file:\/\//);
    assert.deepEqual(await trusted(), []);
  });

  it('refuses a key blob that does not match its key manifest', async () => {
    const mirror = join(scratch, 'tampered-v3');
    await cp(V3, mirror, { recursive: true });
    const blob = join(mirror, 'blobs/sha256/34/34eb7fb08354fc7eadca8f005a15a3e98738805b3c821fd7d4cbf128248df916');
    const { readFile } = await import('node:fs/promises');
    await writeFile(blob, (await readFile(blob, 'utf8')).replace('=', '-'));
    const { paks, trusted } = await user();
    const result = await paks([pathToFileURL(mirror).href + '/', '--fingerprint', V3_FPR]);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /has sha256 [0-9a-f]{64}, not the 34eb7fb0[0-9a-f]{56} its manifest/);
    assert.deepEqual(await trusted(), []);
  });

  it('reads a layout-v2 mirror over file:// (build_cache/_pgp/<FPR>.pub)', async () => {
    const { paks, trusted } = await user();
    const result = await paks([pathToFileURL(V2).href, '--fingerprint', CACHE_FPR]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await trusted(), [`${CACHE_FPR}.asc`]);
  });

  it('a key file is checked against --fingerprint when one is given', async () => {
    const { paks, trusted } = await user();
    const wrong = await paks([CACHE_KEY_FILE, '--fingerprint', V3_FPR]);
    assert.equal(wrong.exitCode, 1);
    assert.match(wrong.stderr, /not the expected 3691BEDD/);
    assert.deepEqual(await trusted(), []);
    const right = await paks([CACHE_KEY_FILE, '--fingerprint', CACHE_FPR]);
    assert.equal(right.exitCode, 0, right.stderr);
    assert.deepEqual(await trusted(), [`${CACHE_FPR}.asc`]);
  });
});

describe('paks key trust PUBLISHER', () => {
  it('fetches spack\'s key from a configured mirror and refuses one that is not Spack\'s', async () => {
    // A mirror that publishes some other key under the name of Spack's fingerprint.
    const mirror = join(scratch, 'impostor');
    await mkdir(join(mirror, 'build_cache', '_pgp'), { recursive: true });
    await cp(CACHE_KEY_FILE, join(mirror, 'build_cache', '_pgp', `${SPACK_FPR}.pub`));
    const { paks, trusted } = await user();
    const result = await paks(['spack'], { PAKS_TRUSTED_MIRRORS: pathToFileURL(mirror).href });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, new RegExp(`_pgp/${SPACK_FPR}\\.pub has fingerprint ${CACHE_FPR}, not the expected ${SPACK_FPR}, so Paks did not trust it`));
    assert.deepEqual(await trusted(), []);
  });

  it('refuses a --fingerprint that is not the publisher\'s', async () => {
    const { paks } = await user();
    const result = await paks(['e4s', '--fingerprint', SPACK_FPR]);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /e4s's key has fingerprint 25645FA2B218FE55B4EF649E4345F04B40005581, not 2C8DD322/);
  });
});
