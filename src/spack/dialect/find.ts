/** What `spack find --format` can tell beyond `--json`, per Spack release. */
import type { SpackDialect } from './index.js';

export interface FoundLine {
  hash: string;
  prefix: string;
  /** `gcc@12.2.0` (1.x only: its JSON has no compiler field), or null for none. */
  compiler?: string | null;
}

/** 1.x: `{compiler}` prints `gcc@12.2.0/<hash>` or `none`; 0.23's JSON already has the compiler. */
export function findFormat(dialect: SpackDialect): string {
  return dialect.series === '1.x' ? '{hash} {compiler} {prefix}' : '{hash} {prefix}';
}

export function parseFindLine(dialect: SpackDialect, line: string): FoundLine | undefined {
  const parts = line.trim().split(' ');
  if (parts.length < 2 || !/^[a-z2-7]{32}$/.test(parts[0]!)) return undefined;
  const hash = parts[0]!;
  if (dialect.series === '0.x') return { hash, prefix: parts.slice(1).join(' ') };
  const compiler = parts[1] === 'none' ? null : parts[1]!.replace(/\/[a-z2-7]+$/, '');
  return { hash, compiler, prefix: parts.slice(2).join(' ') };
}
