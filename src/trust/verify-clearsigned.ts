/**
 * Checks a clearsigned document (a `.spec.json.sig`) against the keys the user trusts, and
 * returns the text that was signed. Every refusal says which file, which key, and what to do.
 */
import * as openpgp from 'openpgp';
import { PaksError } from '../errors.js';
import type { TrustedKey } from './public-key.js';
import { isClearsigned, signedSpecPayload } from './signed-spec-payload.js';

export interface VerifiedDocument {
  /** The signed text (for a spec file: its JSON). */
  payload: string;
  /** Fingerprint of the trusted primary key that made the signature. */
  fingerprint: string;
  /** Long id of the (sub)key that made the signature. */
  keyId: string;
}

export interface VerifyOptions {
  /** Named in messages; a path relative to the cache is best. */
  file?: string;
  /** The moment to check key validity at (defaults to now). */
  date?: Date;
}

const TRUST_HINT = 'If you trust its publisher, trust their public key with `paks key trust FILE` '
  + '(a build cache publishes its keys in build_cache/_pgp/, or in blobs named by v3/manifests/key/), or pass --no-verify to skip signature checks.';

export async function verifyClearsigned(
  armoredText: string,
  trustedKeys: readonly TrustedKey[],
  options: VerifyOptions = {},
): Promise<VerifiedDocument> {
  const file = options.file ?? 'The document';
  if (!isClearsigned(armoredText)) {
    throw new PaksError('trust', `${file} is not signed: it carries no OpenPGP signature`, {
      hint: 'Ask the publisher to push signed binaries (spack buildcache push without --unsigned), or pass --no-verify to accept unsigned ones.',
    });
  }
  // Enforces Spack's rule that a signed spec has a "Hash:" header (throws otherwise).
  signedSpecPayload(armoredText, file);

  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: armoredText.trimStart() });
  } catch (error) {
    throw new PaksError('trust', `${file} is not a readable clearsigned document: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const signingIds = message.getSigningKeyIDs();
  if (signingIds.length === 0) {
    throw new PaksError('trust', `${file} has a signature block with no signature in it`);
  }
  const matches: { trusted: TrustedKey; keyId: openpgp.KeyID }[] = [];
  for (const keyId of signingIds) {
    const trusted = trustedKeys.find((t) => t.key.getKeys(keyId).length > 0);
    if (trusted) matches.push({ trusted, keyId });
  }
  const signers = signingIds.map((id) => id.toHex().toUpperCase()).join(', ');
  if (matches.length === 0) {
    throw new PaksError(
      'trust',
      `${file} is signed by key ${signers}, which is not among your trusted keys` +
        (trustedKeys.length === 0 ? ' (you trust no keys yet)' : ''),
      { hint: TRUST_HINT },
    );
  }

  // One good signature from a trusted key is enough; check the first such signature.
  const { trusted, keyId } = matches[0]!;
  const result = await openpgp.verify({
    message,
    verificationKeys: [trusted.key],
    ...(options.date ? { date: options.date } : {}),
  });
  const signature = result.signatures.find((s) => s.keyID.equals(keyId));
  try {
    if (!signature) throw new Error('no signature by this key');
    await signature.verified;
  } catch (error) {
    const who = trusted.uids[0] ? ` (${trusted.uids[0]})` : '';
    throw new PaksError(
      'trust',
      `${file} has a BAD signature from trusted key ${keyId.toHex().toUpperCase()}${who}: ` +
        `its content was changed after signing, or the signature is damaged (${(error as Error).message})`,
      { hint: 'Do not use it. Fetch it again from the publisher, or ask them to sign it again.', cause: error },
    );
  }
  return { payload: String(result.data), fingerprint: trusted.fingerprint, keyId: keyId.toHex().toUpperCase() };
}

/**
 * A `verifySpec` hook for `readBuildCache`: every spec file must carry a good signature by one
 * of `trustedKeys`, and what was signed is what gets parsed.
 */
export function specVerifier(trustedKeys: readonly TrustedKey[], date?: Date) {
  return async (text: string, file: string): Promise<string> =>
    (await verifyClearsigned(text, trustedKeys, date ? { file, date } : { file })).payload;
}
