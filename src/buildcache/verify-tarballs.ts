/** Does each tarball hash to what its (signed) spec promises: v2 `binary_cache_checksum`, v3 the manifest's digest? */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { PaksError } from '../errors.js';
import { describeBinary } from './layout.js';
import type { BuildCache, CachedSpec } from './read-build-cache.js';
import { resolveInside } from './safe-path.js';

export interface VerifiedTarball {
  spec: CachedSpec;
  /** Absolute path of the tarball that was hashed. */
  path: string;
  sha256: string;
  size: number;
}

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(path), async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      size += chunk.length;
      hash.update(chunk);
    }
  });
  return { sha256: hash.digest('hex'), size };
}

export async function verifyTarballs(
  cache: BuildCache,
  specs: readonly CachedSpec[] = cache.specs,
  onVerified?: (tarball: VerifiedTarball) => void,
): Promise<VerifiedTarball[]> {
  const verified: VerifiedTarball[] = [];
  for (const spec of specs) {
    const what = describeBinary(spec);
    if (!spec.checksum) {
      throw new PaksError('integrity', `${spec.specFile} has no binary_cache_checksum, so ${what} cannot be checked`, {
        hint: 'Push the binary again with `spack buildcache push`, which records the checksum.',
      });
    }
    if (spec.checksum.algorithm !== 'sha256') {
      throw new PaksError(
        'integrity',
        `${spec.specFile} gives a ${spec.checksum.algorithm} checksum; Paks checks tarballs with sha256 only`,
      );
    }
    const path = await resolveInside(cache.root, spec.tarball);
    const stat = await lstat(path).catch(() => undefined);
    if (!stat?.isFile()) {
      throw new PaksError('not-found', `The tarball of ${what} is missing: ${spec.tarball}`, {
        hint: 'Push the binary again with `spack buildcache push`, or remove its spec file from the cache.',
      });
    }
    const { sha256, size } = await sha256File(path);
    if (sha256 !== spec.checksum.hash) {
      throw new PaksError(
        'integrity',
        `${spec.tarball} does not match its spec: its sha256 is ${sha256}, but ${spec.specFile} says ${spec.checksum.hash}`,
        { hint: 'The tarball is damaged or was replaced. Push the binary again with `spack buildcache push`.' },
      );
    }
    const result = { spec, path, sha256, size };
    onVerified?.(result);
    verified.push(result);
  }
  return verified;
}
