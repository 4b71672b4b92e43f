/**
 * Reads GnuPG's machine-readable key listing
 * (`gpg --with-colons --fixed-list-mode --list-keys` / `--list-secret-keys`),
 * documented in GnuPG's doc/DETAILS. Records used: pub, sec, fpr, uid; subkeys are skipped.
 */

export interface GpgKey {
  fingerprint: string;
  keyId: string;
  /** As gpg prints it: `rsa4096`, `ed25519`, `dsa2048`, ... */
  algorithm: string;
  bits: number;
  created: Date;
  expires?: Date;
  uids: string[];
  /** Listed by --list-secret-keys (the secret part may still live on a card: see `secretAvailable`). */
  secret: boolean;
  /** False for a stub: gpg knows of the secret key but does not hold it. */
  secretAvailable: boolean;
  /** gpg's validity letter: u (ultimate), f, m, n, e (expired), r (revoked), - or q (unknown). */
  validity: string;
  revoked: boolean;
  expired: boolean;
  /** Capabilities letters, e.g. `scESC`. */
  capabilities: string;
}

const ALGORITHMS: Readonly<Record<string, string>> = {
  '1': 'rsa',
  '2': 'rsa',
  '3': 'rsa',
  '16': 'elg',
  '17': 'dsa',
  '18': 'ecdh',
  '19': 'ecdsa',
  '22': 'eddsa',
};

/** gpg writes dates as seconds since the epoch, or as ISO 8601 `yyyymmddThhmmss`. */
function parseDate(field: string | undefined): Date | undefined {
  if (!field) return undefined;
  if (/^\d+$/.test(field)) return new Date(Number(field) * 1000);
  const iso = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(field);
  if (iso) return new Date(`${iso[1]}-${iso[2]}-${iso[3]}T${iso[4]}:${iso[5]}:${iso[6]}Z`);
  return undefined;
}

/** User ids are escaped C-style (`\x3a` for a colon) over UTF-8 bytes. */
function unescapeField(field: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const escape = /^\\x([0-9a-fA-F]{2})/.exec(field.slice(i, i + 4));
    if (escape) {
      bytes.push(parseInt(escape[1]!, 16));
      i += 3;
    } else {
      bytes.push(...Buffer.from(field[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function algorithmLabel(code: string, bits: number, curve: string | undefined): string {
  const name = ALGORITHMS[code] ?? `algo${code}`;
  if (curve) return curve;
  return `${name}${bits || ''}`;
}

export function parseColonListing(text: string): GpgKey[] {
  const keys: GpgKey[] = [];
  let current: GpgKey | undefined;
  // fpr records follow the key they belong to; only the first after pub/sec is the primary's.
  let expectPrimaryFingerprint = false;
  for (const line of text.split(/\r?\n/)) {
    const f = line.split(':');
    const type = f[0];
    if (type === 'pub' || type === 'sec') {
      const bits = Number(f[2] ?? '0') || 0;
      const validity = f[1] ?? '';
      const created = parseDate(f[5]) ?? new Date(0);
      current = {
        fingerprint: '',
        keyId: (f[4] ?? '').toUpperCase(),
        algorithm: algorithmLabel(f[3] ?? '', bits, f[16] || undefined),
        bits,
        created,
        uids: [],
        secret: type === 'sec',
        // Field 15 of a sec record: "#" marks a stub, a serial number marks a card.
        secretAvailable: type === 'sec' && f[14] !== '#',
        validity,
        revoked: validity === 'r',
        expired: validity === 'e',
        capabilities: f[11] ?? '',
      };
      const expires = parseDate(f[6]);
      if (expires) current.expires = expires;
      keys.push(current);
      expectPrimaryFingerprint = true;
    } else if (type === 'fpr' && current && expectPrimaryFingerprint) {
      current.fingerprint = (f[9] ?? '').toUpperCase();
      expectPrimaryFingerprint = false;
    } else if (type === 'uid' && current) {
      const uid = unescapeField(f[9] ?? '');
      if (uid) current.uids.push(uid);
    } else if (type === 'sub' || type === 'ssb') {
      expectPrimaryFingerprint = false;
    }
  }
  return keys.filter((k) => k.fingerprint !== '');
}
