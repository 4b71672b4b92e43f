/**
 * Install prefixes Spack has told Paks, remembered by hash. `spack find --json` has no prefix,
 * so printing prefixes costs a second Spack process (~0.25 s of CPU for a real Spack); a spec's
 * prefix is fixed once it is installed, so `paks list --json` asks only when a spec is new to
 * it or its remembered prefix is gone (uninstalled, or installed elsewhere since).
 *
 * Kept in $XDG_CACHE_HOME/paks (or ~/.cache/paks), per Spack: its executable, root, the
 * configuration scopes Paks adds and the variables that choose Spack's configuration and
 * environment, so two Spacks (or two install trees) never share answers.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { userCacheFile } from '../fs/user-cache.js';
import type { SpackRunner } from './runner.js';

const FORMAT = 1;
/** Variables that choose which configuration (and so which install tree) Spack reads. */
const CONFIG_VARIABLES = ['SPACK_USER_CONFIG_PATH', 'SPACK_SYSTEM_CONFIG_PATH', 'SPACK_DISABLE_LOCAL_CONFIG', 'SPACK_USER_CACHE_PATH', 'SPACK_ENV'];
const MAX_SPACKS = 8;

type Stored = Record<string, { at: number; prefixes: Record<string, string> }>;

export interface PrefixMemory {
  /** Whether anything is remembered for this Spack (if not, ask for prefixes at once). */
  readonly empty: boolean;
  /** The remembered prefix of each hash, when every one is known and still on disk. */
  recall(hashes: readonly string[]): Map<string, string> | undefined;
  /** Keeps what Spack answered (replacing the whole set when it was a full listing). */
  remember(prefixes: ReadonlyMap<string, string>, { complete }: { complete: boolean }): Promise<void>;
}

function readStored(file: string): Stored {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { format?: number; spacks?: Stored };
    return stored.format === FORMAT && stored.spacks && typeof stored.spacks === 'object' ? stored.spacks : {};
  } catch {
    return {};
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function prefixMemory(spack: SpackRunner): PrefixMemory {
  const env = spack.env;
  const file = userCacheFile(env, 'spack-prefixes.json');
  const key = JSON.stringify([spack.installation.executable, spack.installation.root ?? null, spack.scopes, ...CONFIG_VARIABLES.map((name) => env[name] ?? null)]);
  const known = readStored(file)[key]?.prefixes ?? {};
  return {
    empty: Object.keys(known).length === 0,
    recall(hashes) {
      const found = new Map<string, string>();
      for (const hash of hashes) {
        const prefix = known[hash];
        if (typeof prefix !== 'string' || !isFolder(prefix)) return undefined;
        found.set(hash, prefix);
      }
      return found;
    },
    async remember(prefixes, { complete }) {
      const next = complete ? Object.fromEntries(prefixes) : { ...known, ...Object.fromEntries(prefixes) };
      if (JSON.stringify(next) === JSON.stringify(known)) return;
      const spacks = { ...readStored(file), [key]: { at: Date.now(), prefixes: next } };
      const kept = Object.fromEntries(
        Object.entries(spacks)
          .sort(([, a], [, b]) => b.at - a.at)
          .slice(0, MAX_SPACKS),
      );
      try {
        const { makeFolders, writeFileAtomic } = await import('../fs/atomic.js');
        await makeFolders(join(file, '..'));
        await writeFileAtomic(file, `${JSON.stringify({ format: FORMAT, spacks: kept })}\n`, 0o600);
      } catch {
        // A cache folder that cannot be written only costs a Spack call next time.
      }
    },
  };
}
