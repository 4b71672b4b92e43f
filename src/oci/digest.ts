import { createHash, type Hash } from 'node:crypto';
import { PaksError } from '../errors.js';

/** Algorithms whose digests Paks can check; the registry may name others, which we refuse. */
const ALGORITHMS: Record<string, { node: string; hexLength: number }> = {
  sha256: { node: 'sha256', hexLength: 64 },
  sha512: { node: 'sha512', hexLength: 128 },
};

export const DIGEST_PATTERN = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigest(text: string): boolean {
  const [algorithm, encoded] = splitDigest(text);
  const known = algorithm === undefined ? undefined : ALGORITHMS[algorithm];
  return known !== undefined && encoded !== undefined && new RegExp(`^[a-f0-9]{${known.hexLength}}$`).test(encoded);
}

function splitDigest(text: string): [string | undefined, string | undefined] {
  const colon = text.indexOf(':');
  return colon < 0 ? [undefined, undefined] : [text.slice(0, colon), text.slice(colon + 1)];
}

/** A hash for the algorithm a digest names; `finish()` gives back `alg:hex`. */
export function hasherFor(digest: string): { update(chunk: Uint8Array): void; finish(): string } {
  const [algorithm] = splitDigest(digest);
  const known = algorithm === undefined ? undefined : ALGORITHMS[algorithm];
  if (!known || !isDigest(digest)) {
    throw new PaksError('integrity', `Paks cannot verify the digest "${digest}": only sha256 and sha512 are supported.`);
  }
  return wrap(createHash(known.node), algorithm as string);
}

function wrap(hash: Hash, algorithm: string) {
  return {
    update: (chunk: Uint8Array) => void hash.update(chunk),
    finish: () => `${algorithm}:${hash.digest('hex')}`,
  };
}

export function sha256Of(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The digest of `bytes` computed with the algorithm `expected` names. */
export function digestOfBytesLike(expected: string, bytes: Uint8Array): string {
  const hasher = hasherFor(expected);
  hasher.update(bytes);
  return hasher.finish();
}
