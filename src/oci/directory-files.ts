import { lstatSync, readdirSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { PaksError } from '../errors.js';

export interface DirectoryFile {
  /** POSIX path relative to the directory: the layer title. */
  relPath: string;
  path: string;
  size: number;
  /** From the listing: lets an unchanged file be recognised without another stat. */
  stats: BigIntStats;
}

/**
 * Every regular file under `directory`, sorted by path. Symbolic links and special files
 * (sockets, FIFOs, devices) are refused rather than skipped: a build cache has none, and
 * silently leaving one out would publish an artifact that differs from the directory.
 *
 * The walk is synchronous on purpose: it runs before any transfer starts, and a build cache
 * is thousands of small directories, where a promise and a thread-pool round trip per entry
 * cost more than the system calls themselves.
 */
export async function listRegularFiles(directory: string): Promise<DirectoryFile[]> {
  const top = lstatSync(directory, { bigint: true, throwIfNoEntry: false });
  if (!top?.isDirectory()) {
    throw new PaksError('usage', `${directory} is not a directory.`, { hint: 'Pass the build cache directory to push.' });
  }
  const files: DirectoryFile[] = [];
  const walk = (dir: string, prefix: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const relPath = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.name.includes('\\')) {
        throw new PaksError('usage', `Cannot push ${relPath}: file names with a backslash cannot be pulled safely.`, { hint: 'Rename the file.' });
      }
      if (entry.isDirectory()) walk(path, relPath);
      else if (entry.isFile()) {
        const stats = lstatSync(path, { bigint: true });
        files.push({ relPath, path, size: Number(stats.size), stats });
      }
      else if (entry.isSymbolicLink()) {
        throw new PaksError('usage', `Cannot push ${directory}: ${relPath} is a symbolic link, and Paks pushes regular files only.`, {
          hint: 'Replace the link with the file it points to (e.g. `cp -L`), or remove it.',
        });
      } else {
        throw new PaksError('usage', `Cannot push ${directory}: ${relPath} is not a regular file (socket, FIFO or device).`, { hint: 'Remove it from the directory.' });
      }
    }
  };
  walk(directory, '');
  return files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}
