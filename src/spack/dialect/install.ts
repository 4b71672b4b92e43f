/** How each Spack installs a concrete spec from a JSON file without concretizing again. */
import { isAbsolute } from 'node:path';
import type { SpackDialect } from './index.js';

/**
 * 0.23: `spack install -f FILE`. 1.x: `-f` means `--force` (it needs an environment and
 * exits 3), and a positional argument ending in `.json` is read as a concrete spec file.
 */
export function specFileArguments(dialect: SpackDialect, files: readonly string[]): string[] {
  if (dialect.series === '0.x') return files.flatMap((file) => ['-f', file]);
  // A path Spack's spec parser takes for a file: absolute or ./relative, ending in .json.
  return files.map((file) => (isAbsolute(file) || file.startsWith('./') ? file : `./${file}`));
}
