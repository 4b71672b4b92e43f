/**
 * What the last push of a build cache folder left in one repository: each Spack image's tag
 * with the artifact files it was made from, and the index.spack digest the push ended with.
 *
 * An unchanged re-push (`paks push DIR REF` again) then needs neither the build cache's spec
 * files nor index.spack's content: when the artifact is unchanged, every tag is still listed and
 * index.spack is still the digest the push left, the registry holds what this push would
 * write. Anything else, and the push reads the build cache as a first push does.
 *
 * The record is keyed on every input that changes what it says: Paks' version and the
 * identity of its code, the target repository, the folder, and each file's path, device,
 * inode, size and modification and change times (the digest cache's rule). The registry's
 * state is never remembered: it is asked on every push. Only a file this user wrote is read.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DirectoryFile } from '../oci/directory-files.js';
import type { Repository } from '../oci/client.js';
import { fileIdentity, readOwnCacheFile, userCacheFile, writeOwnCacheFile } from '../fs/user-cache.js';
import { paksVersion } from '../version.js';

const FORMAT = 2;

export interface SpackPushRecord {
  /** Every spec's image: its tag and the artifact files (titles) it names. */
  images: { tag: string; needs: string[] }[];
  /** index.spack's manifest digest when the push ended, and how many specs it listed. */
  index: { digest: string; specs: number };
}

/** On disk, each file is named once and images point into that list: closures overlap. */
interface StoredRecord {
  format: number;
  key: string;
  files: string[];
  images: { tag: string; needs: number[] }[];
  index: SpackPushRecord['index'];
}

/** Where the record of pushes of `directory` to `repo` is kept. */
export function pushRecordFile(env: NodeJS.ProcessEnv, directory: string, repo: Repository): string {
  const name = createHash('sha256').update(`${repo.registry}/${repo.repository}\0${directory}`).digest('hex').slice(0, 24);
  return userCacheFile(env, join('spack-push', `${name}.json`));
}

/** The key of a push: everything that changes what the record says. */
export function pushRecordKey(directory: string, repo: Repository, files: readonly DirectoryFile[]): string {
  const hash = createHash('sha256');
  // This module's own file: every build of Paks writes it again, so a new build never reads an old record.
  hash.update(JSON.stringify([FORMAT, paksVersion(), fileIdentity(fileURLToPath(import.meta.url)), repo.registry, repo.repository, directory]));
  for (const { relPath, stats: s } of files) hash.update(`\n${relPath}\0${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`);
  return hash.digest('hex');
}

/** The record written under this key, or undefined (none, another key, or not this user's). */
export function readPushRecord(file: string, key: string): SpackPushRecord | undefined {
  const text = readOwnCacheFile(file);
  if (text === undefined) return undefined;
  try {
    const stored = JSON.parse(text) as Partial<StoredRecord>;
    if (stored.format !== FORMAT || stored.key !== key) return undefined;
    const { files, images, index } = stored;
    if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) return undefined;
    if (!Array.isArray(images) || images.length === 0 || typeof index?.digest !== 'string' || typeof index.specs !== 'number') return undefined;
    const valid = images.every((i) => typeof i?.tag === 'string' && Array.isArray(i.needs) && i.needs.every((n) => Number.isInteger(n) && n >= 0 && n < files.length));
    return valid ? { images: images.map((i) => ({ tag: i.tag, needs: i.needs.map((n) => files[n]!) })), index: { digest: index.digest, specs: index.specs } } : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the record for the next push; a cache folder that cannot be written only costs speed. */
export async function writePushRecord(file: string, key: string, record: SpackPushRecord): Promise<void> {
  const files = [...new Set(record.images.flatMap((image) => image.needs))];
  const position = new Map(files.map((path, i) => [path, i]));
  const stored: StoredRecord = { format: FORMAT, key, files, images: record.images.map((i) => ({ tag: i.tag, needs: i.needs.map((path) => position.get(path)!) })), index: record.index };
  // Read-only home, full disk: the next push reads the build cache again.
  await writeOwnCacheFile(file, `${JSON.stringify(stored)}\n`);
}

/**
 * Whether the registry still holds what the record says the last push left, given what this
 * push learned: the artifact's files that the tag's manifest already listed, the repository's
 * tags, and index.spack's digest now.
 */
export function registryMatches(record: SpackPushRecord, inPrevious: ReadonlySet<string>, tags: ReadonlySet<string>, indexDigest: string | undefined): boolean {
  return indexDigest === record.index.digest && record.images.every((image) => tags.has(image.tag) && image.needs.every((file) => inPrevious.has(file)));
}
