import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { readAcceptedPublicKeys } from '../../src/trust/public-key.js';
import { signedSpecPayload } from '../../src/trust/signed-spec-payload.js';
import { specVerifier, verifyClearsigned } from '../../src/trust/verify-clearsigned.js';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { dirname } from 'node:path';
import { CACHE_FPR, CACHE_KEY_FILE, SIGNED_BC, UNSIGNED_BC, clearsign, makeKey, readSignedGreet, readUnsignedGreet } from './keys.js';

const cacheKeys = async () => readAcceptedPublicKeys(await readFile(CACHE_KEY_FILE, 'utf8'), CACHE_KEY_FILE);

function trustError(pattern: RegExp, hintPattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof PaksError, String(e));
    assert.equal(e.kind, 'trust');
    assert.match(e.message, pattern);
    if (hintPattern) assert.match(e.hint ?? '', hintPattern);
    return true;
  };
}

test('the real Spack signature verifies with the key published in _pgp/', async () => {
  const result = await verifyClearsigned(await readSignedGreet(), await cacheKeys(), { file: 'greet.spec.json.sig' });
  assert.equal(result.fingerprint, CACHE_FPR);
  assert.equal(result.keyId, '24B7E59CCC304FFD');
  assert.deepEqual(JSON.parse(result.payload), JSON.parse(await readUnsignedGreet()));
});

test('signedSpecPayload extracts the same JSON the way Spack does, and needs the Hash: header', async () => {
  const signed = await readSignedGreet();
  assert.deepEqual(JSON.parse(signedSpecPayload(signed)), JSON.parse(await readUnsignedGreet()));
  assert.throws(() => signedSpecPayload(signed.replace('Hash: SHA512\n', ''), 'x.sig'), trustError(/x\.sig has no "Hash:" armor header/));
  assert.throws(() => signedSpecPayload('{"a":1}', 'plain.json'), trustError(/plain\.json is not a clearsigned document/));
  const escaped = '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n[\n- -1\n]\n-----BEGIN PGP SIGNATURE-----\nxx\n-----END PGP SIGNATURE-----\n';
  assert.deepEqual(JSON.parse(signedSpecPayload(escaped)), [-1]);
});

test('a tampered spec has a BAD signature, said plainly', async () => {
  const tampered = (await readSignedGreet()).replace('"version":"1.0.0"', '"version":"6.6.6"');
  await assert.rejects(
    verifyClearsigned(tampered, await cacheKeys(), { file: 'greet.spec.json.sig' }),
    trustError(/greet\.spec\.json\.sig has a BAD signature from trusted key 24B7E59CCC304FFD \(Paks Test.*changed after signing/, /Do not use it/),
  );
  const swapped = (await readSignedGreet()).replace('25fee582a77eaf4b7746bb966f6cfb2255e08a85b657867ee72be4865841690b', '0'.repeat(64));
  await assert.rejects(verifyClearsigned(swapped, await cacheKeys()), trustError(/BAD signature/));
});

test('a signature by a key the user does not trust names the key and the way out', async () => {
  const other = await makeKey();
  await assert.rejects(
    verifyClearsigned(await readSignedGreet(), [ (await readAcceptedPublicKeys(other.publicKey.armor(), 'other'))[0]! ], { file: 'greet.spec.json.sig' }),
    trustError(/greet\.spec\.json\.sig is signed by key 24B7E59CCC304FFD, which is not among your trusted keys/, /paks key trust FILE.*--no-verify/s),
  );
  await assert.rejects(verifyClearsigned(await readSignedGreet(), []), trustError(/you trust no keys yet/));
  // And the other way round: a document signed by the other key, checked against the cache key.
  const signedByOther = await clearsign(await readUnsignedGreet(), other.privateKey);
  const otherId = other.publicKey.getKeyID().toHex().toUpperCase();
  assert.match(signedByOther, /^Hash: SHA/m);
  await assert.rejects(verifyClearsigned(signedByOther, await cacheKeys()), trustError(new RegExp(`signed by key [0-9A-F, ]*(${otherId}|[0-9A-F]{16}), which is not among`)));
  const accepted = await readAcceptedPublicKeys(other.publicKey.armor(), 'other');
  const ok = await verifyClearsigned(signedByOther, [...(await cacheKeys()), ...accepted]);
  assert.equal(ok.fingerprint, accepted[0]!.fingerprint);
});

test('an unsigned spec, or one without the Hash: header, is refused with its own sentence', async () => {
  await assert.rejects(
    verifyClearsigned(await readUnsignedGreet(), await cacheKeys(), { file: 'greet.spec.json' }),
    trustError(/greet\.spec\.json is not signed: it carries no OpenPGP signature/, /--no-verify/),
  );
  const noHash = (await readSignedGreet()).replace('Hash: SHA512\n', '');
  await assert.rejects(verifyClearsigned(noHash, await cacheKeys(), { file: 'f.sig' }), trustError(/f\.sig has no "Hash:" armor header/));
  const garbage = '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n{}\n-----BEGIN PGP SIGNATURE-----\n\nnot base64 at all!!\n-----END PGP SIGNATURE-----\n';
  await assert.rejects(verifyClearsigned(garbage, await cacheKeys(), { file: 'g.sig' }), trustError(/g\.sig (is not a readable clearsigned document|has a signature block with no signature)/));
});

test('readBuildCache with specVerifier: the signed cache reads, the unsigned one is refused by file', async () => {
  const keys = await cacheKeys();
  const cache = await readBuildCache(dirname(SIGNED_BC), { verifySpec: specVerifier(keys) });
  assert.equal(cache.specs.length, 3);
  await assert.rejects(
    readBuildCache(dirname(UNSIGNED_BC), { verifySpec: specVerifier(keys) }),
    trustError(/build_cache\/linux-debian12-icelake-gcc-12\.2\.0-gcc-runtime-.*\.spec\.json is not signed/),
  );
});
