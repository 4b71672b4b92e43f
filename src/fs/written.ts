/**
 * Folders Paks fills and later replaces or clears: what it wrote there is known by name
 * (a record it keeps), and everything else in the folder is someone else's and stays.
 * Symbolic links inside such a folder are never followed.
 */
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/** A relative path inside a folder that cannot leave it: no absolute path, no `..`, no empty or `.` segment. */
export function isContainedPath(path: string): boolean {
  return path.length > 0 && !path.startsWith('/') && !path.includes('\\') && path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

function ancestors(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

export interface FolderContents {
  /** Regular files whose relative path is in the record. */
  written: string[];
  /** Everything else; a folder that holds nothing of the record counts as one entry. */
  foreign: string[];
}

/** Splits what `dir` holds into the files in `record` and the rest, without following links. */
export async function folderContents(dir: string, record: Iterable<string>): Promise<FolderContents> {
  const files = new Set(record);
  const folders = new Set([...files].flatMap(ancestors));
  const contents: FolderContents = { written: [], foreign: [] };
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(dir, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory() && folders.has(path)) await walk(path);
      else if (entry.isFile() && files.has(path)) contents.written.push(path);
      else contents.foreign.push(path);
    }
  };
  await walk('');
  return contents;
}

/**
 * Removes the files of `record` from `dir`, then the folders left empty, then `dir` itself
 * if it is empty. Returns what stays: entries that are not in the record.
 */
export async function removeWritten(dir: string, record: Iterable<string>): Promise<string[]> {
  const contents = await folderContents(dir, record).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!contents) return [];
  for (const path of contents.written) await rm(join(dir, path), { force: true });
  const folders = [...new Set(contents.written.flatMap(ancestors))].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const folder of [...folders, '']) {
    await rmdir(join(dir, folder)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST' && error.code !== 'ENOENT') throw error;
    });
  }
  return contents.foreign;
}

/** The entries of `foreign` that would be in the way of `files`: the same path, or a file where a folder must be (or the reverse). */
export function entriesInTheWay(foreign: readonly string[], files: Iterable<string>): string[] {
  const paths = new Set(files);
  const folders = new Set([...paths].flatMap(ancestors));
  return foreign.filter((path) => paths.has(path) || folders.has(path) || ancestors(path).some((a) => paths.has(a)));
}
