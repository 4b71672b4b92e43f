/**
 * The JSON inside a clearsigned spec file, found the way Spack finds it: the text between the
 * `Hash:` armor header line and `-----BEGIN PGP SIGNATURE-----` (Spack requires that header).
 * This only extracts; `verifyClearsigned` is what checks the signature.
 */
import { PaksError } from '../errors.js';

export const CLEARSIGN_HEADER = '-----BEGIN PGP SIGNED MESSAGE-----';

const CLEARSIGNED = /^-----BEGIN PGP SIGNED MESSAGE-----\r?\n((?:[A-Za-z]+: [^\r\n]*\r?\n)*)\r?\n([\s\S]*?)\r?\n-----BEGIN PGP SIGNATURE-----/;

export function isClearsigned(text: string): boolean {
  return text.trimStart().startsWith(CLEARSIGN_HEADER);
}

export function signedSpecPayload(text: string, file = 'the spec file'): string {
  const match = CLEARSIGNED.exec(text.trimStart());
  if (!match) {
    throw new PaksError('trust', `${file} is not a clearsigned document (no "${CLEARSIGN_HEADER}" block ending in a signature)`);
  }
  const headers = match[1]!.split(/\r?\n/).filter(Boolean);
  if (!headers.some((line) => /^Hash: \S+/.test(line))) {
    throw new PaksError('trust', `${file} has no "Hash:" armor header, which Spack requires in a signed spec`, {
      hint: 'Re-sign it with Spack (spack buildcache push) or GnuPG 2.2 (gpg --clearsign).',
    });
  }
  // Undo dash-escaping (RFC 4880 §7.1): lines that began with "-" were written as "- -".
  return match[2]!.replace(/^- /gm, '');
}
