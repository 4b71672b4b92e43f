import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BigIntStats } from 'node:fs';

/**
 * Remembers the sha256 of files by identity (device, inode, size, mtime, ctime), so pushing
 * unchanged content again costs a stat and a HEAD instead of hashing every byte.
 */
export interface DigestCache {
  get(path: string, stat: BigIntStats): string | undefined;
  set(path: string, stat: BigIntStats, digest: string): void;
  /** Writes what was learned (a no-op for the in-memory cache). */
  save(): Promise<void>;
}

const identity = (path: string, stat: BigIntStats) => `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${path}`;

export function createMemoryDigestCache(): DigestCache {
  const entries = new Map<string, string>();
  return {
    get: (path, stat) => entries.get(identity(path, stat)),
    set: (path, stat, digest) => void entries.set(identity(path, stat), digest),
    save: async () => {},
  };
}

/** `{"version": 1, "entries": {identity: digest}}`, checked by hand: loading zod for this cost every push ~15 ms. */
function storedEntries(value: unknown): Map<string, string> | undefined {
  if (typeof value !== 'object' || value === null || (value as { version?: unknown }).version !== 1) return undefined;
  const entries = (value as { entries?: unknown }).entries;
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return undefined;
  const map = new Map<string, string>();
  for (const [key, digest] of Object.entries(entries)) {
    if (typeof digest !== 'string') return undefined;
    map.set(key, digest);
  }
  return map;
}
const MAX_ENTRIES = 50_000;

/** A digest cache kept in a JSON file (e.g. ~/.paks/cache/oci-digests.json); a bad file is ignored. */
export async function loadFileDigestCache(file: string): Promise<DigestCache> {
  let entries = new Map<string, string>();
  try {
    entries = storedEntries(JSON.parse(await readFile(file, 'utf8'))) ?? entries;
  } catch {
    // Missing or unreadable: start empty; it is only a cache.
  }
  let dirty = false;
  return {
    get: (path, stat) => entries.get(identity(path, stat)),
    set(path, stat, digest) {
      entries.set(identity(path, stat), digest);
      dirty = true;
    },
    async save() {
      if (!dirty) return;
      const kept = [...entries].slice(-MAX_ENTRIES);
      await mkdir(dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ version: 1, entries: Object.fromEntries(kept) }));
      await rename(temp, file);
      dirty = false;
    },
  };
}
