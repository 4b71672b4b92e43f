import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** A sibling temporary name, so a rename onto the target is atomic (same filesystem). */
export function temporarySibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** How many links a path may go through, as the kernel allows (MAXSYMLINKS). */
const MAX_LINKS = 40;

/**
 * The file a write to `path` lands in: `path` itself, or the end of its chain of symbolic
 * links (which may not exist yet: a dangling link is written through, as `echo > link` does).
 */
export async function followLinks(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    const info = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!info?.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw Object.assign(new Error(`${path}: too many levels of symbolic links`), { code: 'ELOOP' });
}

/**
 * Writes a file so readers see either the old content or the new, never a partial one.
 * A symbolic link stays a link: its target gets the new content (atomically, beside it).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const target = await followLinks(path);
  const temp = temporarySibling(target);
  try {
    await writeFile(temp, data, { mode: mode ?? (await existingMode(target)) ?? 0o644, flag: 'wx' });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o777;
  } catch {
    return undefined;
  }
}

/**
 * Runs `work` while holding an exclusive lock file beside `path`, so concurrent writers
 * (two `paks config set` at once) take turns instead of losing each other's change.
 * A lock older than `staleMs` is taken over: its owner died.
 */
export async function withFileLock<T>(path: string, work: () => Promise<T>, { timeoutMs = 10_000, staleMs = 30_000 } = {}): Promise<T> {
  const lock = `${path}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > staleMs) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw Object.assign(new Error(`${path} is locked by another paks process (remove ${lock} if none is running)`), { code: 'ELOCKED' });
      }
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * `mkdir -p` for caches under folders Paks does not own ($XDG_CACHE_HOME). Node 20's own
 * `mkdir({ recursive: true })` never returns when a parent refuses new entries with ENOENT
 * (a path under /proc), so this creates each missing parent itself, once.
 */
export async function makeFolders(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    await makeFolders(parent);
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again;
    });
  }
}
