import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { PaksError } from '../../src/errors.js';
import {
  listTrustedKeys,
  loadTrustedKeys,
  removeTrustedKey,
  trustKeyData,
  trustKeyFile,
  trustedKeysDir,
} from '../../src/trust/trusted-keys.js';
import { verifyClearsigned } from '../../src/trust/verify-clearsigned.js';
import { CACHE_FPR, CACHE_KEY_FILE, makeKey, readSignedGreet } from './keys.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'paks-home-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const kind = (k: string, pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof PaksError, String(e));
  assert.equal(e.kind, k);
  assert.match(e.message, pattern);
  return true;
};

test('trusting the cache key stores it as ~/.paks/trusted-keys/<FPR>.asc and lists it', async () => {
  const result = await trustKeyFile(home, CACHE_KEY_FILE);
  assert.equal(result.fingerprint, CACHE_FPR);
  assert.equal(result.keyId, '24B7E59CCC304FFD');
  assert.deepEqual(result.uids, ['Paks Test (GPG created for Spack) <paks@example.com>']);
  assert.equal(result.algorithm, 'rsa4096');
  assert.equal(result.alreadyTrusted, false);
  assert.equal(result.file, join(trustedKeysDir(home), `${CACHE_FPR}.asc`));
  assert.deepEqual(await readdir(trustedKeysDir(home)), [`${CACHE_FPR}.asc`]);
  assert.match(await readFile(result.file, 'utf8'), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  assert.equal((await trustKeyFile(home, CACHE_KEY_FILE)).alreadyTrusted, true);

  const listed = await listTrustedKeys(home);
  assert.deepEqual(listed.map((k) => k.fingerprint), [CACHE_FPR]);
  assert.equal('key' in listed[0]!, false);

  const keys = await loadTrustedKeys(home);
  const verified = await verifyClearsigned(await readSignedGreet(), keys);
  assert.equal(verified.fingerprint, CACHE_FPR);
});

test('an empty store lists nothing', async () => {
  assert.deepEqual(await listTrustedKeys(home), []);
  assert.deepEqual(await loadTrustedKeys(home), []);
});

test('refuses secret keys, v6 keys, non-keys and files with several keys, each with its own message', async () => {
  const secret = await makeKey('Secret');
  const secretFile = join(home, 'secret.asc');
  await writeFile(secretFile, secret.privateKey.armor());
  await assert.rejects(trustKeyFile(home, secretFile), kind('trust', /secret\.asc holds a SECRET key/));

  const v6 = await makeKey('Six', true);
  await assert.rejects(trustKeyData(home, v6.publicKey.armor(), 'six.asc'), kind('trust', /six\.asc holds an OpenPGP v6 key .*v4 keys only/));

  const notKey = join(home, 'notes.txt');
  await writeFile(notKey, 'just some text');
  await assert.rejects(trustKeyFile(home, notKey), kind('trust', /notes\.txt does not hold an OpenPGP public key/));
  await assert.rejects(trustKeyFile(home, join(home, 'missing.asc')), kind('not-found', /Cannot read key file .*missing\.asc/));

  const a = await makeKey('A');
  const b = await makeKey('B');
  const both = a.publicKey.armor() + '\n' + b.publicKey.armor();
  await assert.rejects(trustKeyData(home, both, 'both.asc'), kind('usage', /both\.asc holds 2 keys/));
  assert.deepEqual(await listTrustedKeys(home), []);
});

test('binary (non-armored) public keys are accepted too', async () => {
  const k = await makeKey('Binary');
  const result = await trustKeyData(home, k.publicKey.write(), 'binary.gpg');
  assert.equal(result.fingerprint, k.publicKey.getFingerprint().toUpperCase());
  assert.equal(result.algorithm, 'ed25519');
});

test('removing by fingerprint or long key id; unknown and ambiguous ids are clear errors', async () => {
  await trustKeyFile(home, CACHE_KEY_FILE);
  const other = await makeKey();
  const otherInfo = await trustKeyData(home, other.publicKey.armor(), 'other.asc');
  await assert.rejects(removeTrustedKey(home, 'DEADBEEFDEADBEEF'), kind('not-found', /No trusted key matches DEADBEEFDEADBEEF/));
  await assert.rejects(removeTrustedKey(home, 'not-hex'), kind('usage', /not a key fingerprint/));
  const removed = await removeTrustedKey(home, '0x24b7e59ccc304ffd');
  assert.equal(removed.fingerprint, CACHE_FPR);
  assert.deepEqual((await listTrustedKeys(home)).map((k) => k.fingerprint), [otherInfo.fingerprint]);
  await removeTrustedKey(home, otherInfo.fingerprint);
  assert.deepEqual(await listTrustedKeys(home), []);
});

test('loadTrustedKeys adds files from the trusted_keys setting, deduplicated, and names a missing one', async () => {
  await trustKeyFile(home, CACHE_KEY_FILE);
  const other = await makeKey();
  const extra = join(home, 'team-keys.asc');
  await writeFile(extra, other.publicKey.armor() + '\n' + (await readFile(CACHE_KEY_FILE, 'utf8')));
  const keys = await loadTrustedKeys(home, [extra]);
  assert.equal(keys.length, 2);
  // The cache key comes from the store (first), the other one from the extra file.
  assert.equal(keys.find((k) => k.fingerprint === CACHE_FPR)!.source, join(trustedKeysDir(home), `${CACHE_FPR}.asc`));
  assert.equal(keys.find((k) => k.fingerprint !== CACHE_FPR)!.source, extra);
  assert.equal((await loadTrustedKeys(home + '-nobody', [extra])).length, 2);
  await assert.rejects(loadTrustedKeys(home, [join(home, 'nope.asc')]), kind('settings', /trusted_keys setting names .*nope\.asc/));
});

test('a damaged file in the store is named, with how to fix it', async () => {
  await trustKeyFile(home, CACHE_KEY_FILE);
  await writeFile(join(trustedKeysDir(home), 'BROKEN.asc'), 'garbage');
  await assert.rejects(listTrustedKeys(home), (e: unknown) => {
    assert.ok(e instanceof PaksError);
    assert.match(e.message, /BROKEN\.asc is not usable/);
    assert.match(e.hint ?? '', /Remove it/);
    return true;
  });
});
