/** `spack info` answers kept in cache_dir between runs of `paks api build`, by recipe content. */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from '../fs/atomic.js';
import type { ManifestFacts, ManifestFactsCache } from './binaries.js';
import { createInfoCache, type InfoCache } from './recipes.js';

const fileSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), z.string()) });

export async function loadInfoCache(path: string): Promise<InfoCache & { save(): Promise<void> }> {
  const cache = createInfoCache();
  const parsed = fileSchema.safeParse(await readFile(path, 'utf8').then(JSON.parse, () => undefined));
  if (parsed.success) for (const [key, value] of Object.entries(parsed.data.entries)) cache.set(key, value);
  return {
    get: cache.get,
    set: cache.set,
    async save() {
      // Only a cache: failing to write it must not fail the build.
      await mkdir(dirname(path), { recursive: true })
        .then(() => writeFileAtomic(path, JSON.stringify({ version: 1, entries: cache.entries() })))
        .catch(() => undefined);
    },
  };
}

const factsFileSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), z.unknown()) });

/**
 * What Paks read from each manifest, kept between runs: manifests are named by digest, so
 * what they say never changes, and an unchanged registry costs two requests per package
 * (tags, then the version's index) instead of five and a signature check.
 */
export async function loadManifestFactsCache(path: string): Promise<{ cache: ManifestFactsCache; save(): Promise<void> }> {
  const cache = new UsedEntries<string, Promise<ManifestFacts>>();
  const parsed = factsFileSchema.safeParse(await readFile(path, 'utf8').then(JSON.parse, () => undefined));
  if (parsed.success) {
    for (const [key, facts] of Object.entries(parsed.data.entries)) {
      if (isFacts(facts)) cache.set(key, Promise.resolve(facts));
    }
    cache.used.clear();
  }
  return {
    cache,
    async save() {
      const entries: Record<string, ManifestFacts> = {};
      // Only what this run looked at: manifests no tag names any more drop out.
      for (const [key, facts] of cache) {
        if (!cache.used.has(key)) continue;
        const value = await facts.catch(() => undefined);
        if (value) entries[key] = value;
      }
      await mkdir(dirname(path), { recursive: true })
        .then(() => writeFileAtomic(path, JSON.stringify({ version: 1, entries })))
        .catch(() => undefined);
    },
  };
}

function isFacts(value: unknown): value is ManifestFacts {
  if (typeof value !== 'object' || value === null) return false;
  const facts = value as Partial<ManifestFacts>;
  return typeof facts.size === 'number' && typeof facts.annotations === 'object' && facts.annotations !== null && (facts.root === undefined || (typeof facts.root === 'object' && typeof facts.root.hash === 'string' && typeof facts.root.signed === 'boolean'));
}

/** A Map that remembers which keys were read or written since it was loaded. */
class UsedEntries<K, V> extends Map<K, V> {
  readonly used = new Set<K>();
  override get(key: K): V | undefined {
    this.used.add(key);
    return super.get(key);
  }
  override set(key: K, value: V): this {
    this.used?.add(key);
    return super.set(key, value);
  }
}
