import { createHash } from 'node:crypto';
import { listRegularFiles } from '../oci/directory-files.js';
import { sha256File } from './verify-tarballs.js';

/**
 * One sha256 for a folder of build caches: of the `sha256sum`-style listing of every regular
 * file (sorted by path). A build job names its output by it; the publish job recomputes it
 * before it signs anything, so it signs exactly what the tested job built.
 */
export async function folderDigest(dir: string): Promise<string> {
  const listing: string[] = [];
  for (const file of await listRegularFiles(dir)) listing.push(`${(await sha256File(file.path)).sha256}  ${file.relPath}\n`);
  return createHash('sha256').update(listing.join('')).digest('hex');
}
