/** Runs the real gpg (2.2) against throw-away keyrings. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { parseSpecDocument } from '../../src/spack/spec-json.js';
import { PaksError } from '../../src/errors.js';
import { GpgKeyring, spackGpgHome } from '../../src/trust/gpg-keyring.js';
import { loadTrustedKeys, trustKeyFile } from '../../src/trust/trusted-keys.js';
import { verifyClearsigned } from '../../src/trust/verify-clearsigned.js';
import { readUnsignedGreet } from './keys.js';

let scratch: string;
let signing: string; // a keyring with one secret key
let empty: string; // a keyring with no keys
let fingerprint: string;

const gpg = (home: string, ...args: string[]) => execa('gpg', ['--homedir', home, '--batch', '--no-tty', ...args]);

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'paks-gpg-'));
  signing = join(scratch, 'signing');
  empty = join(scratch, 'empty');
  for (const home of [signing, empty]) {
    await execa('mkdir', ['-m', '700', home]);
  }
  await gpg(signing, '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'Paks CI (test) <ci@example.com>', 'rsa2048', 'sign', 'never');
  const listing = await gpg(signing, '--with-colons', '--list-keys');
  fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing.stdout)![1]!;
});

after(async () => {
  for (const home of [signing, empty]) await execa('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { reject: false });
  await rm(scratch, { recursive: true, force: true });
});

test('lists public and secret keys of a real keyring', async () => {
  const keyring = new GpgKeyring({ homedir: signing });
  const pub = await keyring.listPublic();
  assert.equal(pub.length, 1);
  assert.equal(pub[0]!.fingerprint, fingerprint);
  assert.equal(pub[0]!.keyId, fingerprint.slice(-16));
  assert.equal(pub[0]!.algorithm, 'rsa2048');
  assert.deepEqual(pub[0]!.uids, ['Paks CI (test) <ci@example.com>']);
  assert.equal(pub[0]!.secret, false);
  const sec = await keyring.listSecret();
  assert.equal(sec.length, 1);
  assert.equal(sec[0]!.secret, true);
  assert.equal(sec[0]!.secretAvailable, true);
  assert.equal((await keyring.signingKey()).fingerprint, fingerprint);
  assert.equal((await keyring.signingKey(fingerprint.slice(-16))).fingerprint, fingerprint);
});

test('export, trust, and verify a spec clearsigned by gpg the way Spack signs', async () => {
  const keyring = new GpgKeyring({ homedir: signing });
  const armored = await keyring.exportPublic(fingerprint);
  assert.match(armored, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  const home = join(scratch, 'home');
  const keyFile = join(scratch, 'exported.asc');
  await writeFile(keyFile, armored);
  const trusted = await trustKeyFile(home, keyFile);
  assert.equal(trusted.fingerprint, fingerprint);

  const signed = (await execa('gpg', ['--homedir', signing, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', '--clearsign', '--digest-algo', 'SHA512', '--local-user', fingerprint], { input: await readUnsignedGreet() })).stdout;
  assert.match(signed, /^Hash: SHA512$/m);
  const result = await verifyClearsigned(signed, await loadTrustedKeys(home), { file: 'greet.spec.json.sig' });
  assert.equal(result.fingerprint, fingerprint);
  assert.equal(parseSpecDocument(result.payload).spec.nodes[0]!.name, 'greet-paks');
});

test('an empty keyring lists nothing and has no key to sign with', async () => {
  const keyring = new GpgKeyring({ homedir: empty });
  assert.deepEqual(await keyring.listPublic(), []);
  assert.deepEqual(await keyring.listSecret(), []);
  await assert.rejects(keyring.signingKey(), (e: unknown) => {
    assert.ok(e instanceof PaksError);
    assert.equal(e.kind, 'trust');
    assert.match(e.message, /holds no secret key to sign with/);
    assert.match(e.hint ?? '', /spack gpg create/);
    return true;
  });
  await assert.rejects(keyring.exportPublic(fingerprint), (e: unknown) => e instanceof PaksError && e.kind === 'not-found');
  await assert.rejects(keyring.exportPublic('--armor'), (e: unknown) => e instanceof PaksError && e.kind === 'usage');
});

test('a missing keyring, a missing gpg, and an unreadable keyring are clear errors', async (t) => {
  await assert.rejects(new GpgKeyring({ homedir: join(scratch, 'nope') }).listPublic(), (e: unknown) => e instanceof PaksError && e.kind === 'not-found' && /no GnuPG keyring at/.test(e.message));
  await assert.rejects(new GpgKeyring({ homedir: empty, gpg: join(scratch, 'no-such-gpg') }).listPublic(), (e: unknown) => e instanceof PaksError && /GnuPG is not installed/.test(e.message));
  const failing = join(scratch, 'failing-gpg');
  await writeFile(failing, '#!/bin/sh\necho "gpg: keydb_search failed: Resource temporarily unavailable" >&2\nexit 2\n');
  await chmod(failing, 0o755);
  await assert.rejects(new GpgKeyring({ homedir: empty, gpg: failing }).listSecret(), (e: unknown) => e instanceof PaksError && e.kind === 'trust' && /failed on the keyring .*\(exit 2\):\ngpg: keydb_search failed/.test(e.message));
  if (process.getuid?.() === 0) {
    t.diagnostic('running as root: permission bits do not stop root, unreadable-keyring case skipped');
    return;
  }
  const locked = join(scratch, 'locked');
  await execa('mkdir', ['-m', '000', locked]);
  await assert.rejects(new GpgKeyring({ homedir: locked }).listPublic(), /cannot be read by this user/);
});

test("Spack's keyring is $SPACK_GNUPGHOME, else <root>/opt/spack/gpg", () => {
  assert.equal(spackGpgHome('/spack', {}), '/spack/opt/spack/gpg');
  assert.equal(spackGpgHome('/spack', { SPACK_GNUPGHOME: '/keys' }), '/keys');
});
