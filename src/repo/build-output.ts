import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_CACHE_DIR } from '../buildcache/layout.js';
import { LAYOUT_FILE } from '../buildcache/layout-v3.js';

/**
 * What a build job hands to later stages and to the publish job: one folder per package,
 * `<output>/<name>-<version>-<hash7>/`, each a Spack build cache of that build (unsigned in CI).
 */
export function outputCacheName(root: { name: string; version: string; hash: string }): string {
  return `${root.name}-${root.version}-${root.hash.slice(0, 7)}`;
}

/** The build caches in `dir` or in its subfolders (downloaded workflow artifacts nest one or two deep). */
export async function findBuildCaches(dir: string, depth = 3): Promise<string[]> {
  if (await isBuildCache(dir)) return [dir];
  if (depth === 0) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) found.push(...(await findBuildCaches(join(dir, entry.name), depth - 1)));
  return found;
}

async function isBuildCache(dir: string): Promise<boolean> {
  const v2 = await lstat(join(dir, BUILD_CACHE_DIR)).catch(() => undefined);
  const v3 = await lstat(join(dir, LAYOUT_FILE)).catch(() => undefined);
  return Boolean(v2?.isDirectory() || v3?.isFile());
}
