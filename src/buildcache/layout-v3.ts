/**
 * Build-cache layout v3 (Spack 1.x), relative to the mirror root:
 *   v3/layout.json                                                  {"signing": "gpg"}
 *   v3/manifests/spec/<name>/<name>-<version>-<hash>.spec.manifest.json   (clearsigned when signed)
 *   v3/manifests/index/index.manifest.json, v3/manifests/key/{keys,<FPR>.key}.manifest.json
 *   blobs/sha256/<first two hex>/<sha256>                           content, named by digest
 * A manifest lists blobs with their media type, size, compression and sha256.
 */
import { posix } from 'node:path';
import * as z from 'zod';
import { PaksError } from '../errors.js';
import { parseJson } from '../spack/spec-json.js';

export const V3_DIR = 'v3';
export const LAYOUT_FILE = 'v3/layout.json';
export const SPEC_MANIFEST_DIR = 'v3/manifests/spec';
export const INDEX_MANIFEST = 'v3/manifests/index/index.manifest.json';
export const KEY_MANIFEST_DIR = 'v3/manifests/key';
export const BLOBS_DIR = 'blobs/sha256';
export const SPEC_MANIFEST_SUFFIX = '.spec.manifest.json';
/** Paks's SBOMs of a v3 cache: a folder Spack never reads. */
export const V3_SBOM_DIR = 'sbom';

export const MEDIA_TYPE = {
  tarball: 'application/vnd.spack.install.v2.tar+gzip',
  spec: 'application/vnd.spack.spec.v5+json',
  index: 'application/vnd.spack.db.v8+json',
  keyIndex: 'application/vnd.spack.keyindex.v1+json',
  key: 'application/pgp-keys',
} as const;

export const BlobRecordSchema = z.looseObject({
  contentLength: z.number().int().nonnegative(),
  mediaType: z.string().min(1),
  compression: z.enum(['gzip', 'none']),
  checksumAlgorithm: z.string().min(1),
  checksum: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
});

export const ManifestSchema = z.looseObject({
  version: z.literal(3),
  data: z.array(BlobRecordSchema).min(1),
});

export type BlobRecord = z.infer<typeof BlobRecordSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

export function parseManifest(text: string, file: string): Manifest {
  return parseJson(ManifestSchema, text, file, 'a Spack layout v3 manifest', 'integrity');
}

/** The one record of a media type a manifest must hold. */
export function blobOf(manifest: Manifest, mediaType: string, file: string): BlobRecord {
  const records = manifest.data.filter((r) => r.mediaType === mediaType);
  if (records.length !== 1) throw new PaksError('integrity', `${file} lists ${records.length} blobs of type ${mediaType}; a manifest lists exactly one`);
  const record = records[0]!;
  if (record.checksumAlgorithm !== 'sha256') {
    throw new PaksError('integrity', `${file} names a ${record.checksumAlgorithm} blob; Spack layout v3 addresses blobs by sha256`);
  }
  return record;
}

/** `blobs/sha256/ab/abcd…` */
export function blobPath(sha256: string): string {
  return posix.join(BLOBS_DIR, sha256.slice(0, 2), sha256);
}

/** `<name>-<version>-<hash>`: the manifest's (and SBOMs') file stem. */
export function v3Stem(id: { name: string; version: string; hash: string }): string {
  return `${id.name}-${id.version}-${id.hash}`;
}

export function specManifestPath(id: { name: string; version: string; hash: string }): string {
  return posix.join(SPEC_MANIFEST_DIR, id.name, v3Stem(id) + SPEC_MANIFEST_SUFFIX);
}
