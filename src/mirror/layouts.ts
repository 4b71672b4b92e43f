/**
 * "What to fetch" from a Spack mirror of each build-cache layout: the small file that names
 * the index and its digest, the index itself, and where a binary's signed spec lives.
 *   v3 (Spack 1.x): v3/manifests/index/index.manifest.json → blobs/sha256/…;
 *                   v3/manifests/spec/<name>/<name>-<version>-<hash>.spec.manifest.json
 *   v2 (Spack 0.23): build_cache/index.json.hash → build_cache/index.json;
 *                   build_cache/<arch>-<compiler>-<version>-<name>-<version>-<hash>.spec.json.sig
 */
import { PaksError } from '../errors.js';
import { INDEX_MANIFEST, MEDIA_TYPE, blobOf, blobPath, parseManifest, specManifestPath } from '../buildcache/layout-v3.js';
import { BUILD_CACHE_DIR, specFilePath, type BinaryIdentity } from '../buildcache/layout.js';

export interface IndexLocation {
  path: string;
  sha256: string;
  /** Known for v3 (the manifest says), not for v2. */
  size?: number;
}

export interface MirrorLayout {
  version: 2 | 3;
  /** The small file that names the index and its digest (fetched with conditional requests). */
  indexPointer: string;
  indexFrom(pointer: Buffer, where: string): IndexLocation;
  /** Where the signed spec of a binary is. */
  specPath(id: BinaryIdentity): string;
}

export const LAYOUT_V3: MirrorLayout = {
  version: 3,
  indexPointer: INDEX_MANIFEST,
  indexFrom(pointer, where) {
    const record = blobOf(parseManifest(pointer.toString('utf8'), where), MEDIA_TYPE.index, where);
    return { path: blobPath(record.checksum), sha256: record.checksum, size: record.contentLength };
  },
  specPath: (id) => specManifestPath(id),
};

export const LAYOUT_V2: MirrorLayout = {
  version: 2,
  indexPointer: `${BUILD_CACHE_DIR}/index.json.hash`,
  indexFrom(pointer, where) {
    const sha256 = pointer.toString('utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new PaksError('integrity', `${where} does not hold a sha256 digest.`);
    return { path: `${BUILD_CACHE_DIR}/index.json`, sha256 };
  },
  specPath: (id) => specFilePath(id, true),
};

export function layoutFor(version: 2 | 3): MirrorLayout {
  return version === 3 ? LAYOUT_V3 : LAYOUT_V2;
}
