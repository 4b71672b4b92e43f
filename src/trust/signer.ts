/**
 * Who signed a clearsigned spec, for showing (not for trusting): checked against the public
 * keys published beside it (a build cache's `_pgp/*.pub`). A signature that those keys do not
 * verify is reported as such, with the key id the signature names.
 */
import * as openpgp from 'openpgp';
import { readAcceptedPublicKeys, type TrustedKey } from './public-key.js';
import { isClearsigned } from './signed-spec-payload.js';
import { verifyClearsigned } from './verify-clearsigned.js';

export interface SpecSigner {
  /** Long key id (16 hex digits) the signature names. */
  keyId: string;
  /** Fingerprint of the published primary key that verifies it; absent when none does. */
  fingerprint?: string;
  /** True when a published key verifies the signature. */
  verified: boolean;
}

/** undefined when `text` is not clearsigned at all. */
export async function readSpecSigner(text: string, publishedKeys: readonly (string | Uint8Array)[]): Promise<SpecSigner | undefined> {
  if (!isClearsigned(text)) return undefined;
  let keyId: string;
  try {
    const message = await openpgp.readCleartextMessage({ cleartextMessage: text.trimStart() });
    const ids = message.getSigningKeyIDs();
    if (ids.length === 0) return { keyId: '', verified: false };
    keyId = ids[0]!.toHex().toUpperCase();
  } catch {
    return { keyId: '', verified: false };
  }
  const keys: TrustedKey[] = [];
  for (const data of publishedKeys) keys.push(...(await readAcceptedPublicKeys(data, 'a published key').catch(() => [])));
  if (keys.length === 0) return { keyId, verified: false };
  try {
    const verified = await verifyClearsigned(text, keys);
    return { keyId: verified.keyId, fingerprint: verified.fingerprint, verified: true };
  } catch {
    return { keyId, verified: false };
  }
}
