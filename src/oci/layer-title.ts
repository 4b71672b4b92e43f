import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * Why a layer title cannot be used as a file path under the pull directory, or undefined
 * when it is safe: relative POSIX path, no `..`/`.`/empty segments, no backslash or NUL,
 * and it resolves inside `directory`.
 */
export function unsafeTitleReason(title: string, directory: string): string | undefined {
  if (title === '') return 'it is empty';
  if (title.includes('\0')) return 'it contains a NUL byte';
  if (title.includes('\\')) return 'it contains a backslash';
  if (title.startsWith('/') || isAbsolute(title) || /^[A-Za-z]:/.test(title)) return 'it is an absolute path';
  const segments = title.split('/');
  if (segments.some((s) => s === '..')) return 'it contains ".."';
  if (segments.some((s) => s === '' || s === '.')) return 'it has an empty or "." path segment';
  if (title.length > 4096 || segments.some((s) => Buffer.byteLength(s) > 255)) return 'it is too long for a file name';
  const root = resolve(directory);
  const target = resolve(root, title);
  const rel = relative(root, target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) || !target.startsWith(root + sep)) return 'it resolves outside the directory';
  return undefined;
}

/** Titles that collide: the same path twice, or a file that would also have to be a directory. */
export function conflictingTitles(titles: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const title of titles) {
    if (seen.has(title)) return `"${title}" appears twice`;
    seen.add(title);
  }
  for (const title of titles) {
    const parts = title.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (seen.has(parent)) return `"${parent}" is both a file and a directory`;
    }
  }
  return undefined;
}
