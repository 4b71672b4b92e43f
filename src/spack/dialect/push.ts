/** `spack buildcache push` flags that differ between Spack releases. */
import type { SpackDialect } from './index.js';

/**
 * A Paks build cache holds a package and what it needs at run time. 0.23 pushes link and
 * run dependencies by default; 1.x also pushes build dependencies, and fails ("package not
 * installed") on build-only ones a binary install left out, such as compiler-wrapper.
 */
export function pushDependencyArguments(dialect: SpackDialect): string[] {
  return dialect.series === '1.x' ? ['--without-build-dependencies'] : [];
}
