/**
 * Copies of the binaries' SBOMs for the catalogue: a registry's blob URLs need a token even
 * for public packages (ghcr.io), so a link there does not open from a static page. SBOMs are
 * small; each is fetched once (checked against its digest as it arrives), kept by digest in
 * memory and in cache_dir, and published beside the documents.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Of } from '../oci/digest.js';
import type { RegistryClient } from '../oci/client.js';
import { CYCLONEDX_JSON, SPDX_JSON } from '../oci/media-types.js';
import { mapWithConcurrency } from '../oci/pool.js';
import { splitRegistry, type BlobLink, type PackageBinaries } from './binaries.js';

const SBOM_LIMIT = 64 * 1024 * 1024;

export interface SbomCopy {
  bytes: Buffer;
  contentType: string;
  /** Site path of the copy. */
  path: string;
}

/** Digest → bytes, remembered between collections (and between runs when `dir` is given). */
export interface BlobStore {
  get(digest: string): Promise<Buffer | undefined>;
  set(digest: string, bytes: Buffer): Promise<void>;
}

export function createBlobStore(dir?: string): BlobStore {
  const memory = new Map<string, Buffer>();
  const file = (digest: string) => join(dir as string, digest.replace(':', '-'));
  return {
    async get(digest) {
      const known = memory.get(digest);
      if (known || !dir) return known;
      const bytes = await readFile(file(digest)).catch(() => undefined);
      // A damaged cache file is ignored, never served.
      if (!bytes || sha256Of(bytes) !== digest) return undefined;
      memory.set(digest, bytes);
      return bytes;
    },
    async set(digest, bytes) {
      memory.set(digest, bytes);
      if (!dir) return;
      await mkdir(dir, { recursive: true });
      const temp = `${file(digest)}.${process.pid}.tmp`;
      await writeFile(temp, bytes).then(() => rename(temp, file(digest))).catch(() => undefined);
    },
  };
}

export function sbomPath(link: BlobLink, kind: 'cyclonedx' | 'spdx'): string {
  return `sbom/${link.digest.replace(/^sha256:/, '')}.${kind === 'cyclonedx' ? 'cdx' : 'spdx'}.json`;
}

export async function copySboms(options: {
  client: RegistryClient;
  binaries: ReadonlyMap<string, PackageBinaries>;
  store: BlobStore;
  concurrency: number;
}): Promise<Map<string, SbomCopy>> {
  const wanted = new Map<string, { link: BlobLink; kind: 'cyclonedx' | 'spdx'; repository: string }>();
  for (const found of options.binaries.values()) {
    for (const binaries of found.versions.values()) {
      for (const binary of binaries) {
        for (const kind of ['cyclonedx', 'spdx'] as const) {
          const link = binary.sbom[kind];
          if (link && link.digest.startsWith('sha256:')) wanted.set(sbomPath(link, kind), { link, kind, repository: found.repository });
        }
      }
    }
  }
  const copies = await mapWithConcurrency([...wanted], options.concurrency, async ([path, { link, kind, repository }]) => {
    let bytes = await options.store.get(link.digest);
    if (!bytes) {
      const { host, namespace } = splitRegistry(repository);
      const contentType = kind === 'cyclonedx' ? CYCLONEDX_JSON : SPDX_JSON;
      bytes = await options.client.fetchBlobBytes({ registry: host, repository: namespace }, { mediaType: contentType, digest: link.digest, size: link.size }, SBOM_LIMIT);
      await options.store.set(link.digest, bytes);
    }
    return [path, { bytes, contentType: kind === 'cyclonedx' ? `${CYCLONEDX_JSON}; charset=utf-8` : `${SPDX_JSON}; charset=utf-8`, path }] as const;
  });
  return new Map(copies);
}
