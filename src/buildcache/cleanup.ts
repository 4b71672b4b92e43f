/**
 * `--cleanup` after a push: the build cache goes, nothing else. Only files that were pushed
 * (their bytes are in the registry now) and that lie in a build cache's own folders are
 * removed; anything else in the folder (notes, a .git, a file written meanwhile) stays.
 */
import { removeWritten } from '../fs/written.js';
import type { ImageManifest } from '../oci/schemas.js';
import { ANNOTATION_TITLE } from '../oci/media-types.js';
import { BUILD_CACHE_DIR } from './layout.js';
import { BLOBS_DIR, V3_DIR, V3_SBOM_DIR } from './layout-v3.js';

const CACHE_FOLDERS = new Set([BUILD_CACHE_DIR, BLOBS_DIR.split('/')[0]!, V3_DIR, V3_SBOM_DIR]);

/** The relative paths a pushed artifact holds (its layers' titles). */
export function pushedPaths(manifest: ImageManifest): string[] {
  return manifest.layers.map((layer) => layer.annotations?.[ANNOTATION_TITLE]).filter((title): title is string => typeof title === 'string');
}

/** Removes the pushed build cache files from `dir` (and `dir`, once empty); returns what stays. */
export async function removePushedBuildCache(dir: string, pushed: readonly string[]): Promise<string[]> {
  return removeWritten(dir, pushed.filter((path) => CACHE_FOLDERS.has(path.split('/')[0]!)));
}

/** One line about what cleanup left, or undefined when the folder is gone. */
export function keptNote(dir: string, kept: readonly string[]): string | undefined {
  if (kept.length === 0) return undefined;
  return `Kept ${dir}: it holds ${kept.length} ${kept.length === 1 ? 'entry' : 'entries'} that ${kept.length === 1 ? 'is' : 'are'} not part of the build cache (${kept.slice(0, 3).join(', ')}${kept.length > 3 ? ', …' : ''}).`;
}
