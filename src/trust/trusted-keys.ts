/**
 * The keys a user trusts to sign binaries: `~/.paks/trusted-keys/<FINGERPRINT>.asc`, one
 * armored public key per file, plus any files named by the `trusted_keys` setting.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PaksError } from '../errors.js';
import { readAcceptedPublicKeys, type TrustedKey } from './public-key.js';

export type TrustedKeyInfo = Omit<TrustedKey, 'key'>;

export interface TrustResult extends TrustedKeyInfo {
  /** Where the key is stored now. */
  file: string;
  alreadyTrusted: boolean;
}

export function trustedKeysDir(home: string): string {
  return join(home, '.paks', 'trusted-keys');
}

function info({ key: _key, ...rest }: TrustedKey): TrustedKeyInfo {
  return rest;
}

/** Trusts the single public key in `file` (armored or binary). */
export async function trustKeyFile(home: string, file: string, expectedFingerprint?: string): Promise<TrustResult> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw new PaksError('not-found', `Cannot read key file ${file}: ${(error as Error).message}`, { cause: error });
  }
  return trustKeyData(home, data, file, expectedFingerprint);
}

/**
 * Trusts a key given as text or bytes, e.g. one published in a build cache's `_pgp/`. With
 * `expectedFingerprint`, a key with any other fingerprint is refused before anything is stored.
 */
export async function trustKeyData(home: string, data: Uint8Array | string, source: string, expectedFingerprint?: string): Promise<TrustResult> {
  const keys = await readAcceptedPublicKeys(data, source);
  if (expectedFingerprint !== undefined && !(keys.length === 1 && keys[0]!.fingerprint === expectedFingerprint)) {
    const found = keys.map((k) => k.fingerprint).join(', ');
    throw new PaksError('trust', `The key from ${source} has fingerprint ${found}, not the expected ${expectedFingerprint}, so Paks did not trust it.`, {
      hint: 'Check the fingerprint with the publisher; a key that differs may have been replaced on the way.',
    });
  }
  if (keys.length !== 1) {
    throw new PaksError('usage', `${source} holds ${keys.length} keys (${keys.map((k) => k.fingerprint).join(', ')}); trust them one file at a time`, {
      hint: 'Export each one with `gpg --export --armor FINGERPRINT > FILE`.',
    });
  }
  const key = keys[0]!;
  const dir = trustedKeysDir(home);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, `${key.fingerprint}.asc`);
  const alreadyTrusted = await readFile(target).then(() => true, () => false);
  // Write beside the target, then rename: a reader never sees half a key.
  const temporary = join(dir, `.${key.fingerprint}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, key.key.armor(), { mode: 0o644 });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new PaksError('trust', `Cannot store the trusted key in ${dir}: ${(error as Error).message}`, { cause: error });
  }
  return { ...info(key), source, file: target, alreadyTrusted };
}

async function readStore(home: string): Promise<TrustedKey[]> {
  const dir = trustedKeysDir(home);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PaksError('trust', `Cannot read your trusted keys in ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const keys: TrustedKey[] = [];
  for (const name of names.filter((n) => n.endsWith('.asc') && !n.startsWith('.')).sort()) {
    const file = join(dir, name);
    try {
      keys.push(...(await readAcceptedPublicKeys(await readFile(file, 'utf8'), file)));
    } catch (error) {
      throw new PaksError('trust', `The trusted key file ${file} is not usable: ${(error as Error).message}`, {
        hint: `Remove it (rm ${file}) and trust the key again with \`paks key trust FILE\`.`,
        cause: error,
      });
    }
  }
  return keys;
}

export async function listTrustedKeys(home: string): Promise<TrustedKeyInfo[]> {
  return (await readStore(home)).map(info).sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
}

/** Removes the one trusted key whose fingerprint is or ends with `id` (a long key id works). */
export async function removeTrustedKey(home: string, id: string): Promise<TrustedKeyInfo> {
  const wanted = id.replace(/^0x/i, '').replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9A-F]{8,40}$/.test(wanted)) {
    throw new PaksError('usage', `"${id}" is not a key fingerprint or key id (8 to 40 hex digits)`);
  }
  const keys = await readStore(home);
  const matching = keys.filter((k) => k.fingerprint.endsWith(wanted));
  if (matching.length === 0) {
    throw new PaksError('not-found', `No trusted key matches ${id}`, { hint: 'See your trusted keys with `paks key list`.' });
  }
  if (matching.length > 1) {
    throw new PaksError('usage', `${id} matches ${matching.length} trusted keys: ${matching.map((k) => k.fingerprint).join(', ')}`, {
      hint: 'Give the full fingerprint.',
    });
  }
  const key = matching[0]!;
  await rm(key.source);
  return info(key);
}

/** Every key to verify signatures with: the user's store plus files from the `trusted_keys` setting. */
export async function loadTrustedKeys(home: string, extraFiles: readonly string[] = []): Promise<TrustedKey[]> {
  const byFingerprint = new Map<string, TrustedKey>();
  for (const key of await readStore(home)) byFingerprint.set(key.fingerprint, key);
  for (const file of extraFiles) {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (error) {
      throw new PaksError('settings', `The trusted_keys setting names ${file}, which cannot be read: ${(error as Error).message}`, {
        hint: 'Fix the path in your settings, or remove it from trusted_keys.',
        cause: error,
      });
    }
    for (const key of await readAcceptedPublicKeys(data, file)) {
      if (!byFingerprint.has(key.fingerprint)) byFingerprint.set(key.fingerprint, key);
    }
  }
  return [...byFingerprint.values()].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
}
