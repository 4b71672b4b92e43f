/**
 * Publishers of public Spack build caches whose keys Paks knows by fingerprint, so that
 * `paks key trust spack` can fetch a key and refuse it unless it is the right one. Knowing a
 * key is not trusting it: nothing here is trusted until the user asks.
 */
import { PaksError } from '../errors.js';

export interface KnownPublisher {
  /** What the user types: `paks key trust spack`. */
  name: string;
  /** The user id on the key. */
  owner: string;
  fingerprint: string;
  /** Where the publisher puts the key besides its caches' key manifests. */
  url: string;
}

export const KNOWN_PUBLISHERS: readonly KnownPublisher[] = [
  {
    name: 'spack',
    owner: 'Spack Project Official Binaries <maintainers@spack.io>',
    fingerprint: '2C8DD3224EF3573A42BD221FA8E0CA3C1C2ADA2F',
    url: 'https://spack.github.io/keys/spack-public-binary-key.pub',
  },
  {
    name: 'e4s',
    owner: 'University of Oregon - E4S',
    fingerprint: '25645FA2B218FE55B4EF649E4345F04B40005581',
    url: 'https://oaciss.uoregon.edu/e4s/e4s.pub',
  },
];

export function knownPublisher(name: string): KnownPublisher | undefined {
  return KNOWN_PUBLISHERS.find((p) => p.name === name.toLowerCase());
}

/** A full fingerprint (40 hex digits, spaces and 0x allowed), upper-case; short key ids are refused. */
export function parseFingerprint(text: string): string {
  const fingerprint = text.replace(/^0x/i, '').replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(fingerprint)) {
    throw new PaksError('usage', `"${text}" is not a full key fingerprint: give all 40 hex digits (a short key id is too easy to forge).`, {
      hint: 'The publisher lists it; `gpg --show-keys --with-fingerprint FILE` prints it for a key file.',
    });
  }
  return fingerprint;
}
