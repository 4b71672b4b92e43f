/**
 * Where a signature comes from: the signing key in Spack's keyring (a maintainer's machine),
 * or a secret key handed over as a file or on standard input (a CI job that runs no recipe),
 * imported into a throw-away GnuPG home that is removed afterwards.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import { GpgKeyring } from '../trust/gpg-keyring.js';
import { removeOnInterrupt } from '../interruption.js';
import type { CacheSigner } from './sign-cache.js';
import { spackKeyring, usableSigningKey } from './keys.js';

/** The signing key of Spack's keyring (--key, the signing_key setting, or the only one). */
export async function spackKeyringSigner(client: PaksClient, requested?: string): Promise<CacheSigner> {
  const key = await usableSigningKey(client, requested);
  const keyring = await spackKeyring(client);
  return { fingerprint: key.fingerprint, publicKey: await keyring.exportPublic(key.fingerprint), clearsign: (text) => keyring.clearsign(key.fingerprint, text) };
}

/**
 * Runs `work` with a signer made from an armored secret key (the bytes of a file, or of
 * standard input). The key lives only in a private temporary GnuPG home for the call.
 */
export async function withSecretKeySigner<T>(secretKey: Uint8Array, source: string, requested: string | undefined, work: (signer: CacheSigner) => Promise<T>): Promise<T> {
  if (!Buffer.from(secretKey).toString('latin1').includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')) {
    throw new PaksError('usage', `${source} does not hold an armored OpenPGP secret key.`, { hint: 'Export one with `gpg --armor --export-secret-keys FINGERPRINT` (that is what PAKS_SIGNING_KEY holds).' });
  }
  const home = await mkdtemp(join(tmpdir(), 'paks-gnupg-'));
  const forget = removeOnInterrupt(home);
  try {
    const keyFile = join(home, 'import.asc');
    await writeFile(keyFile, secretKey, { mode: 0o600 });
    const keyring = new GpgKeyring({ homedir: home });
    try {
      await keyring.importFile(keyFile);
    } catch (error) {
      // gpg's own words say what was wrong with the file; they never contain the key.
      throw new PaksError('trust', `The secret key in ${source} cannot be imported.`, { hint: 'Check that it is an armored secret key without a passphrase.', cause: error });
    } finally {
      await rm(keyFile, { force: true });
    }
    const key = await keyring.signingKey(requested);
    await keyring.checkCanSign(key.fingerprint);
    const publicKey = await keyring.exportPublic(key.fingerprint);
    return await work({ fingerprint: key.fingerprint, publicKey, clearsign: (text) => keyring.clearsign(key.fingerprint, text) });
  } finally {
    // gpg-agent keeps running for that home until told to stop.
    await execa('gpgconf', ['--homedir', home, '--kill', 'all'], { reject: false, stdin: 'ignore', timeout: 10_000 });
    await rm(home, { recursive: true, force: true });
    forget();
  }
}

/** The bytes of --key-file: a file, or standard input for `-` (so a CI secret never lands on disk). */
export async function readSecretKeyInput(file: string, cwd: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<{ bytes: Buffer; source: string }> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    return { bytes: Buffer.concat(chunks), source: 'standard input' };
  }
  const path = resolve(cwd, file);
  try {
    return { bytes: await readFile(path), source: file };
  } catch (error) {
    throw new PaksError('usage', `Cannot read the key file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}.`, { cause: error });
  }
}
