import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseColonListing } from '../../src/trust/gpg-colons.js';

// Shaped like `gpg --with-colons --fixed-list-mode --list-secret-keys` from GnuPG 2.2:
// an RSA key with an encryption subkey, an ed25519 key whose secret part is a stub, a revoked key.
const LISTING = [
  'sec:u:4096:1:24B7E59CCC304FFD:1795735834:::u:::scESC:::+:::23::0:',
  'fpr:::::::::07FBB82C9AB40B37396FFDFA24B7E59CCC304FFD:',
  'grp:::::::::5C71FF65E02F995A1D3B3F8D1DA547883B12CA7A:',
  'uid:u::::1795735834::592A0F1463F11F30CF0F5A108C317B616E2BA607::Paks Test (GPG created for Spack) <paks@example.com>::::::::::0:',
  'ssb:u:4096:1:1111222233334444:1795735834::::::e:::+:::23:',
  'fpr:::::::::AAAABBBBCCCCDDDDEEEEFFFF1111222233334444:',
  'sec:u:255:22:ABCDEF0123456789:1700000000:1900000000::u:::scSC:::#::ed25519:::0:',
  'fpr:::::::::00112233445566778899ABCDEF0123456789ABCD:',
  'uid:u::::1700000000::AAAA::J\\xc3\\xbcrgen \\x3aColon\\x3a <j@example.com>::::::::::0:',
  'uid:u::::1700000000::BBBB::Second Id <second@example.com>::::::::::0:',
  'pub:r:2048:17:0000000000000001:20200101T120000:::-:::sc::::::23::0:',
  'fpr:::::::::FFFFFFFFFFFFFFFFFFFFFFFF0000000000000001:',
  'uid:r::::::CCCC::Old <old@example.com>::::::::::0:',
].join('\n');

test('reads primary keys with their fingerprint, ids, algorithm, dates and user ids', () => {
  const keys = parseColonListing(LISTING);
  assert.equal(keys.length, 3);
  const [rsa, ed, old] = keys as [typeof keys[0], typeof keys[0], typeof keys[0]];
  assert.equal(rsa.fingerprint, '07FBB82C9AB40B37396FFDFA24B7E59CCC304FFD');
  assert.equal(rsa.keyId, '24B7E59CCC304FFD');
  assert.equal(rsa.algorithm, 'rsa4096');
  assert.equal(rsa.bits, 4096);
  assert.equal(rsa.created.toISOString(), new Date(1795735834 * 1000).toISOString());
  assert.equal(rsa.expires, undefined);
  assert.deepEqual(rsa.uids, ['Paks Test (GPG created for Spack) <paks@example.com>']);
  assert.equal(rsa.secret, true);
  assert.equal(rsa.secretAvailable, true);
  assert.equal(rsa.capabilities, 'scESC');

  assert.equal(ed.fingerprint, '00112233445566778899ABCDEF0123456789ABCD', 'a subkey fpr is not the primary fingerprint');
  assert.equal(ed.algorithm, 'ed25519');
  assert.equal(ed.secretAvailable, false);
  assert.equal(ed.expires?.toISOString(), new Date(1900000000 * 1000).toISOString());
  assert.deepEqual(ed.uids, ['Jürgen :Colon: <j@example.com>', 'Second Id <second@example.com>']);

  assert.equal(old.secret, false);
  assert.equal(old.revoked, true);
  assert.equal(old.algorithm, 'dsa2048');
  assert.equal(old.created.toISOString(), '2020-01-01T12:00:00.000Z');
});

test('empty or unrelated output gives no keys', () => {
  assert.deepEqual(parseColonListing(''), []);
  assert.deepEqual(parseColonListing('tru::1:1795304044:0:3:1:5\n'), []);
});
