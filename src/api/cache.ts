/** `spack info` answers kept in cache_dir between runs of `paks api build`, by recipe content. */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic.js';
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
