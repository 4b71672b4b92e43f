import { writeFile } from 'node:fs/promises';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import { GpgKeyring, spackGpgHome } from '../trust/gpg-keyring.js';
import type { GpgKey } from '../trust/gpg-colons.js';
import { listTrustedKeys, type TrustedKeyInfo, type TrustResult } from '../trust/trusted-keys.js';

/**
 * Paks signs with one persistent key kept in Spack's own keyring (so `spack buildcache push`
 * can use it). Keys are made and imported through `spack gpg`; they are read back through
 * gpg's machine-readable listing of that keyring.
 */
export async function spackKeyring(client: PaksClient): Promise<GpgKeyring> {
  const spack = await client.spack();
  const root = spack.installation.root;
  if (!root && !client.env.SPACK_GNUPGHOME) {
    throw new PaksError('not-found', `Cannot tell where the Spack at ${spack.installation.executable} keeps its keyring.`, {
      hint: 'Point --spack-root at the Spack checkout, or set SPACK_GNUPGHOME.',
    });
  }
  return new GpgKeyring({ homedir: spackGpgHome(root ?? '', client.env), env: client.env });
}

async function secretKeys(client: PaksClient): Promise<GpgKey[]> {
  const keyring = await spackKeyring(client);
  try {
    return (await keyring.listSecret()).filter((k) => k.secretAvailable && !k.revoked && !k.expired);
  } catch (error) {
    if (error instanceof PaksError && error.kind === 'not-found' && /no GnuPG keyring/i.test(error.message)) return [];
    throw error;
  }
}

export interface CreateKeyOptions {
  name?: string | undefined;
  email?: string | undefined;
  /** Create another key even though one exists. */
  force?: boolean;
}

export async function createSigningKey(client: PaksClient, options: CreateKeyOptions = {}): Promise<GpgKey> {
  const name = options.name ?? client.values.username;
  const email = options.email ?? client.values.email;
  if (!name || !email) {
    throw new PaksError('usage', 'A signing key needs a name and an email address.', {
      hint: 'Set them once with: paks config set username:"Your Name" email:you@example.org (or pass --name and --email).',
    });
  }
  const before = await secretKeys(client);
  if (before.length && !options.force) {
    throw new PaksError('conflict', `Spack's keyring already holds a signing key (${before.map((k) => k.fingerprint).join(', ')}); Paks signs every build with the same key.`, {
      hint: 'Use it (paks key list), or pass --force to create another.',
    });
  }
  const spack = await client.spack();
  const task = client.reporter.task(`Creating a signing key for ${name} <${email}> (this can take a minute)`);
  try {
    await spack.run(['gpg', 'create', name, email], { doing: 'create a signing key' });
  } catch (error) {
    task.fail();
    throw error;
  }
  const after = await secretKeys(client);
  const created = after.find((k) => !before.some((b) => b.fingerprint === k.fingerprint));
  if (!created) {
    task.fail();
    throw new PaksError('spack', 'spack gpg create finished, but no new secret key is in its keyring.');
  }
  task.succeed(`Created signing key ${created.fingerprint}`);
  return created;
}

export interface KeyListing {
  signing: GpgKey[];
  trusted: TrustedKeyInfo[];
}

export async function listKeys(client: PaksClient): Promise<KeyListing> {
  return { signing: await secretKeys(client), trusted: await listTrustedKeys(client.home) };
}

/** The key to sign with: --key, else the signing_key setting, else the only one. */
export async function chooseSigningKey(client: PaksClient, requested?: string): Promise<GpgKey> {
  const wanted = requested ?? client.values.signing_key ?? undefined;
  const keys = await secretKeys(client);
  if (wanted) {
    const compact = wanted.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
    const key = keys.find((k) => k.fingerprint.toUpperCase().endsWith(compact));
    if (!key) {
      throw new PaksError('trust', `There is no signing key ${wanted} in Spack's keyring${keys.length ? ` (it holds ${keys.map((k) => k.fingerprint).join(', ')})` : ''}.`, {
        hint: 'Import it with "paks key import SECRET-KEY-FILE", or create one with "paks key create".',
      });
    }
    return key;
  }
  if (keys.length === 0) {
    throw new PaksError('trust', "There is no signing key in Spack's keyring.", {
      hint: 'Create one with "paks key create", import yours with "paks key import FILE", or build with --unsigned.',
    });
  }
  if (keys.length > 1) {
    throw new PaksError('usage', `Spack's keyring holds ${keys.length} signing keys: ${keys.map((k) => `${k.fingerprint} (${k.uids[0] ?? 'no name'})`).join(', ')}.`, {
      hint: 'Choose one with --key FINGERPRINT or: paks config set signing_key:FINGERPRINT',
    });
  }
  return keys[0]!;
}

/** The signing key, checked to sign without a prompt before any long work starts. */
export async function usableSigningKey(client: PaksClient, requested?: string): Promise<GpgKey> {
  const key = await chooseSigningKey(client, requested);
  await (await spackKeyring(client)).checkCanSign(key.fingerprint);
  return key;
}

/** The armored public half of the signing key, to a file or returned. */
export async function exportPublicKey(client: PaksClient, fingerprint?: string, file?: string): Promise<string> {
  const key = await chooseSigningKey(client, fingerprint);
  const armored = await (await spackKeyring(client)).exportPublic(key.fingerprint);
  if (file) await writeFile(file, armored);
  return armored;
}

/** Brings a key (public, or secret for signing in CI) into Spack's keyring. */
export async function importKey(client: PaksClient, file: string): Promise<void> {
  const spack = await client.spack();
  await spack.run(['gpg', 'trust', file], { doing: `import the key in ${file}` });
}

/** Trusts a publisher's public key for `paks install` verification (a file, a URL, or a known publisher's name). */
export async function trustPublisherKey(client: PaksClient, source: string, options: { fingerprint?: string | undefined } = {}): Promise<TrustResult> {
  const { trustPublisher } = await import('./trust-publisher.js');
  return trustPublisher(client, source, options);
}
