/**
 * `index.spack`: the tag Spack reads to list an OCI build cache. Its manifest has the config
 * `{}` and one layer, the build cache index JSON (a Spack database, as `index.json` in a
 * file mirror; Spack 0.23 transcript 66: the layer is byte-identical to `index.json`).
 *
 * Paks merges instead of replacing: entries already there (other platforms, other packages)
 * stay. The registry has no compare-and-swap, so the update is read–modify–write with a
 * re-read of the tag just before moving it; a concurrent writer makes Paks start over.
 */
import { PaksError } from '../errors.js';
import type { RegistryClient, Repository } from '../oci/client.js';
import { OCI_MANIFEST } from '../oci/media-types.js';
import type { Reporter } from '../ui/reporter.js';
import { INDEX_TAG, OCI_IMAGE_CONFIG, OCI_LAYER_GZIP, spackJson } from './image.js';

const MAX_INDEX_BYTES = 256 * 1024 * 1024;
const ATTEMPTS = 3;

interface InstallRecord {
  spec: { hash?: string; dependencies?: { hash: string }[] } & Record<string, unknown>;
  ref_count?: number;
  in_buildcache?: boolean;
  [key: string]: unknown;
}

export interface SpackDatabase {
  database: { version: string; installs: Record<string, InstallRecord>; [key: string]: unknown };
}

export function parseDatabase(bytes: Buffer, what: string): SpackDatabase {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new PaksError('registry', `${what} is not JSON: ${(error as Error).message}.`);
  }
  const db = (parsed as SpackDatabase | undefined)?.database;
  if (!db || typeof db !== 'object' || typeof db.installs !== 'object' || db.installs === null) {
    throw new PaksError('registry', `${what} is not a Spack build cache index (no database.installs).`);
  }
  return parsed as SpackDatabase;
}

/** Every record of both; for a spec in both, it is in the build cache if either says so. Reference counts are recounted. */
export function mergeDatabases(existing: SpackDatabase, ours: SpackDatabase): SpackDatabase {
  const installs: Record<string, InstallRecord> = {};
  for (const [hash, record] of Object.entries(existing.database.installs)) installs[hash] = { ...record };
  for (const [hash, record] of Object.entries(ours.database.installs)) {
    const before = installs[hash];
    installs[hash] = before ? { ...record, in_buildcache: Boolean(before.in_buildcache || record.in_buildcache) } : { ...record };
  }
  const counts = new Map<string, number>();
  for (const record of Object.values(installs)) for (const dep of record.spec.dependencies ?? []) counts.set(dep.hash, (counts.get(dep.hash) ?? 0) + 1);
  for (const [hash, record] of Object.entries(installs)) if ('ref_count' in record) record.ref_count = counts.get(hash) ?? 0;
  return { ...existing, database: { ...existing.database, version: ours.database.version, installs } };
}

/**
 * Whether `ours` says something `existing` does not: a spec it lacks, one it does not list as
 * in the build cache, or another database version. Reference counts alone (recounted by the
 * merge) are no reason to write the tag again.
 */
function adds(existing: SpackDatabase, ours: SpackDatabase): boolean {
  if (existing.database.version !== ours.database.version) return true;
  return Object.entries(ours.database.installs).some(([hash, record]) => {
    const known = existing.database.installs[hash];
    return !known || (Boolean(record.in_buildcache) && !known.in_buildcache);
  });
}

export interface UpdatedSpackIndex {
  digest: string;
  changed: boolean;
  specs: number;
}

/** What `index.spack` holds: its manifest's digest and the database it names. */
export interface CurrentSpackIndex {
  digest: string;
  db: SpackDatabase;
}

/** Reads `index.spack` (its manifest by tag, then its one layer); undefined when the tag does not exist. */
export async function readSpackIndex(client: RegistryClient, repo: Repository): Promise<CurrentSpackIndex | undefined> {
  let current;
  try {
    current = await client.getManifest({ ...repo, tag: INDEX_TAG });
  } catch (error) {
    if (error instanceof PaksError && error.kind === 'not-found') return undefined;
    throw error;
  }
  if (current.kind !== 'manifest' || current.manifest.layers.length !== 1) {
    throw new PaksError('registry', `${repo.registry}/${repo.repository}:${INDEX_TAG} is not a Spack build cache index (one layer expected).`, {
      hint: 'Another tool wrote that tag; remove it or push to another repository.',
    });
  }
  const db = parseDatabase(await client.fetchBlobBytes(repo, current.manifest.layers[0]!, MAX_INDEX_BYTES), `${INDEX_TAG} of ${repo.repository}`);
  return { digest: current.digest, db };
}

/**
 * Makes `index.spack` list our specs too. `ours` is the cache's own index bytes (pushed as they
 * are when the tag does not exist yet, exactly as Spack would). `read`: the index as this push
 * read it earlier (beside its other requests); it decides the first attempt, and a write still
 * moves the tag only if nobody moved it since that read.
 */
export async function updateSpackIndex(
  client: RegistryClient,
  repo: Repository,
  ours: Buffer,
  reporter?: Reporter,
  read?: Promise<CurrentSpackIndex | undefined>,
): Promise<UpdatedSpackIndex> {
  const reference = { ...repo, tag: INDEX_TAG };
  const oursDb = parseDatabase(ours, 'the build cache index');
  for (let attempt = 1; ; attempt++) {
    // An earlier read that failed (the network, say) is made again here, where it used to be made.
    const current = attempt === 1 && read ? await read.catch(() => readSpackIndex(client, repo)) : await readSpackIndex(client, repo);
    let layer = ours;
    let merged = oursDb;
    if (current) {
      merged = mergeDatabases(current.db, oursDb);
      if (!adds(current.db, oursDb)) return { digest: current.digest, changed: false, specs: Object.keys(current.db.database.installs).length };
      layer = spackJson(merged);
    }
    const config = await client.pushBlobBytes(repo, Buffer.from('{}'), OCI_IMAGE_CONFIG);
    const blob = await client.pushBlobBytes(repo, layer, OCI_LAYER_GZIP);
    const manifest = {
      mediaType: OCI_MANIFEST,
      schemaVersion: 2,
      config: { mediaType: OCI_IMAGE_CONFIG, digest: config.digest, size: config.size },
      layers: [{ mediaType: OCI_LAYER_GZIP, digest: blob.digest, size: blob.size }],
    };
    // Someone else moved the tag since we read it: merge again with what they wrote.
    if ((await client.manifestDigest(reference)) !== current?.digest && attempt < ATTEMPTS) {
      reporter?.debug(`${INDEX_TAG} changed while Paks merged it; merging again`);
      continue;
    }
    const put = await client.putManifest(repo, INDEX_TAG, spackJson(manifest), OCI_MANIFEST);
    return { digest: put.digest, changed: true, specs: Object.keys(merged.database.installs).length };
  }
}

/** An index for a cache that has no index.json: every node of every spec, Spack's record shape. */
export function databaseOf(specs: readonly { hash: string; nodes: readonly Record<string, unknown>[] }[], version: '7' | '8' = '7'): SpackDatabase {
  const inCache = new Set(specs.map((s) => s.hash));
  const installs: Record<string, InstallRecord> = {};
  for (const spec of specs) {
    for (const node of spec.nodes) {
      const hash = node.hash as string;
      if (!installs[hash]) installs[hash] = { spec: node as InstallRecord['spec'], ref_count: 0, in_buildcache: inCache.has(hash) };
    }
  }
  return mergeDatabases({ database: { version, installs: {} } }, { database: { version, installs } });
}
