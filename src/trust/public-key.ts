/** Which OpenPGP keys Paks accepts as trust anchors: v4 public keys that can sign. */
import * as openpgp from 'openpgp';
import { PaksError } from '../errors.js';

export interface TrustedKey {
  /** Upper-case hex fingerprint of the primary key. */
  fingerprint: string;
  /** The last 16 hex digits, as gpg shows a long key id. */
  keyId: string;
  uids: string[];
  /** e.g. `rsa4096`, `ed25519`. */
  algorithm: string;
  created: Date;
  /** Where the key came from (a file path or a description). */
  source: string;
  key: openpgp.PublicKey;
}

const SECRET_BLOCK = /-----BEGIN PGP PRIVATE KEY BLOCK-----/;
const ARMOR_BLOCK = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g;

/** Parses every key in `data` (armored or binary) and refuses anything Paks will not trust. */
export async function readAcceptedPublicKeys(data: Uint8Array | string, source: string): Promise<TrustedKey[]> {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  if (SECRET_BLOCK.test(text)) throw secretKeyError(source);
  let keys: openpgp.Key[] = [];
  try {
    if (text.includes('-----BEGIN PGP')) {
      // openpgp reads one armor block per call; exported keyrings often hold several.
      const armored = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
      const blocks = armored.match(ARMOR_BLOCK) ?? [armored];
      for (const block of blocks) keys.push(...(await openpgp.readKeys({ armoredKeys: block })));
    } else {
      keys = await openpgp.readKeys({ binaryKeys: typeof data === 'string' ? Buffer.from(data, 'latin1') : data });
    }
  } catch (error) {
    throw new PaksError('trust', `${source} does not hold an OpenPGP public key (${(error as Error).message})`, {
      hint: 'Export one with `gpg --export --armor FINGERPRINT` or `spack gpg export FILE`.',
      cause: error,
    });
  }
  if (keys.length === 0) {
    throw new PaksError('trust', `${source} does not hold an OpenPGP public key`);
  }
  const accepted: TrustedKey[] = [];
  for (const key of keys) accepted.push(await acceptKey(key, source));
  return accepted;
}

async function acceptKey(key: openpgp.Key, source: string): Promise<TrustedKey> {
  if (key.isPrivate()) throw secretKeyError(source);
  const fingerprint = key.getFingerprint().toUpperCase();
  if (key.keyPacket.version !== 4) {
    throw new PaksError(
      'trust',
      `${source} holds an OpenPGP v${key.keyPacket.version} key (${fingerprint}); Paks accepts v4 keys only, the kind GnuPG 2.2 and Spack use`,
      { hint: 'Create the signing key with `spack gpg create` or `gpg --quick-gen-key`.' },
    );
  }
  try {
    await key.verifyPrimaryKey();
  } catch (error) {
    throw new PaksError('trust', `${source}: key ${fingerprint} is not usable (${(error as Error).message})`, {
      hint: 'It may be revoked or expired; ask its owner for a current public key.',
      cause: error,
    });
  }
  try {
    await key.getSigningKey();
  } catch (error) {
    throw new PaksError('trust', `${source}: key ${fingerprint} has no key that can make signatures`, { cause: error });
  }
  const info = key.getAlgorithmInfo();
  const algorithm = info.bits ? `${info.algorithm.replace(/EncryptSign|Sign|Encrypt/, '')}${info.bits}` : (info.curve ?? info.algorithm);
  return {
    fingerprint,
    keyId: fingerprint.slice(-16),
    uids: key.getUserIDs(),
    algorithm: algorithm.replace(/Legacy$/, ''),
    created: key.getCreationTime(),
    source,
    key: key.toPublic(),
  };
}

function secretKeyError(source: string): PaksError {
  return new PaksError('trust', `${source} holds a SECRET key; Paks only needs (and only stores) public keys`, {
    hint: 'Export the public half with `gpg --export --armor FINGERPRINT` and trust that file instead. Keep the secret key private.',
  });
}
