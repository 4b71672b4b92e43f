/**
 * What `spack find --format` can tell beyond `--json`, in a form both
 * releases understand, so listing needs no `spack --version` first.
 */
/** Install prefixes: both releases print `<hash> <prefix>` (transcript 130, 0.23 and 1.1). */
export const PREFIX_FORMAT = '{hash} {prefix}';

/**
 * 1.x only: `{compiler}` prints `gcc@12.2.0/<hash>` or `none` (1.1 transcript 130d). Its JSON
 * has no compiler field, and a query for some packages does not list their compiler nodes.
 */
export const COMPILER_FORMAT = '{hash} {compiler}';

/** `<hash> <rest>` lines of `find --format`, by hash (the rest may contain spaces). */
export function parseFindLines(text: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of text?.split('\n') ?? []) {
    const at = line.indexOf(' ');
    const hash = line.slice(0, at);
    if (at > 0 && /^[a-z2-7]{32}$/.test(hash)) found.set(hash, line.slice(at + 1).trim());
  }
  return found;
}

/** `gcc@12.2.0/<hash>` → `gcc@12.2.0`; `none` → null. */
export function parseFoundCompiler(text: string): string | null {
  return text === 'none' ? null : text.replace(/\/[a-z2-7]+$/, '');
}
