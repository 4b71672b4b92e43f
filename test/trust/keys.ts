/** Test keys: the real cache key from the fixtures, and fresh OpenPGP keys made with openpgp. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';

export const SIGNED_BC = fileURLToPath(new URL('../fixtures/buildcache/signed/build_cache/', import.meta.url));
export const UNSIGNED_BC = fileURLToPath(new URL('../fixtures/buildcache/unsigned/build_cache/', import.meta.url));
export const CACHE_FPR = '07FBB82C9AB40B37396FFDFA24B7E59CCC304FFD';
export const CACHE_KEY_FILE = join(SIGNED_BC, '_pgp', `${CACHE_FPR}.pub`);
export const GREET = 'linux-debian12-icelake-gcc-12.2.0-greet-paks-1.0.0-eus5xxlme3e4olqwzmc6dk5dp6hopdrj';

export const readSignedGreet = () => readFile(join(SIGNED_BC, `${GREET}.spec.json.sig`), 'utf8');
export const readUnsignedGreet = () => readFile(join(UNSIGNED_BC, `${GREET}.spec.json`), 'utf8');

/** A fresh ed25519 key pair (instant, unlike RSA): OpenPGP v4 unless `v6` is asked for. */
export async function makeKey(name = 'Someone Else', v6 = false) {
  const userIDs = [{ name, email: 'else@example.com' }];
  return v6
    ? openpgp.generateKey({ type: 'curve25519', userIDs, format: 'object', config: { v6Keys: true } })
    : openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs, format: 'object' });
}

export async function clearsign(text: string, privateKey: openpgp.PrivateKey): Promise<string> {
  const message = await openpgp.createCleartextMessage({ text });
  return openpgp.sign({ message, signingKeys: privateKey });
}
