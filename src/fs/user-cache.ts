import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A file in Paks' own cache folder, `$XDG_CACHE_HOME/paks` or `~/.cache/paks`: small things
 * kept between runs only to start faster.
 */
export function userCacheFile(env: NodeJS.ProcessEnv, name: string, home: string = env.HOME || homedir()): string {
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'paks', name);
}

/**
 * A file's identity for a cache key: its path, device, inode, size and modification and change
 * times (any write changes one of them), or why it cannot be read.
 */
export function fileIdentity(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${file}:${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (error) {
    return `${file}:${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`;
  }
}

/** Owned by this user and writable by no one else (group and others may not write). */
function ownedAlone(st: { uid: number; mode: number }): boolean {
  return (!process.getuid || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
}

/**
 * A cache file's text when this user wrote it and no one else could have: the file (not a
 * symbolic link) and its folder are this user's and writable by no one else. Undefined
 * otherwise, or when it cannot be read: a cache is only ever a shortcut.
 */
export function readOwnCacheFile(file: string): string | undefined {
  let fd: number | undefined;
  try {
    const folder = statSync(dirname(file));
    if (!folder.isDirectory() || !ownedAlone(folder)) return undefined;
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    if (!st.isFile() || !ownedAlone(st)) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes a cache file readOwnCacheFile will trust: its folder this user's alone (0700
 * whatever the umask), the file 0600, written atomically. A cache folder that cannot be
 * written (read-only home, full disk) only costs speed: nothing is thrown.
 */
export async function writeOwnCacheFile(file: string, text: string): Promise<void> {
  try {
    const [{ makeFolders, writeFileAtomic }, { mkdir }] = await Promise.all([import('./atomic.js'), import('node:fs/promises')]);
    await makeFolders(join(file, '..', '..'));
    await mkdir(join(file, '..'), { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await writeFileAtomic(file, text, 0o600);
  } catch {
    // The next run reads what the cache would have saved.
  }
}
