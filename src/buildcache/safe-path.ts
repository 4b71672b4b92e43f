/** Resolves a path found in (or computed from) a build cache, refusing anything that leaves it. */
import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { PaksError } from '../errors.js';

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** `root/relative`, after checking that neither the text nor any symbolic link leads out of root. */
export async function resolveInside(root: string, relative: string): Promise<string> {
  const outside = () =>
    new PaksError('integrity', `${relative} points outside the build cache ${root}; Paks does not follow it`);
  if (isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) throw outside();
  const realRoot = await realpath(root);
  const joined = resolve(realRoot, relative);
  if (!inside(realRoot, joined)) throw outside();
  let real: string;
  try {
    real = await realpath(joined);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return joined;
    throw error;
  }
  if (!inside(realRoot, real)) throw outside();
  return real;
}
