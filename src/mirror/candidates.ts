/**
 * What Paks keeps of a mirror's index, and the pure step "candidates from what was fetched".
 * The index is not signed: it only says which signed specs are worth fetching. Each entry is
 * a row `[version, hash, platform, os, target, compiler name, compiler version]` under its
 * package name, so 100,000 specs stay a few MB.
 */
import { rankBinaries } from '../buildcache/target-compatibility.js';
import type { HostArch } from '../install/host.js';
import type { AbstractSpec } from '../spec/parse.js';
import { compareVersions, versionSatisfies } from '../spec/version-range.js';

export const COMPACT_INDEX_VERSION = 1;

export type IndexRow = [version: string, hash: string, platform: string, os: string, target: string, compiler?: string, compilerVersion?: string];

export interface CompactIndex {
  format: typeof COMPACT_INDEX_VERSION;
  layout: 2 | 3;
  /** sha256 of the index it was made from. */
  digest: string;
  specs: number;
  byName: Record<string, IndexRow[]>;
}

/** One spec the index names: enough to find its signed spec in the mirror. */
export interface IndexCandidate {
  name: string;
  version: string;
  hash: string;
  arch: { platform: string; os: string; target: string };
  compiler?: { name: string; version: string };
}

const HASH = /^[a-z2-7]{32}$/;

/** Builds the compact form one install record at a time (records it cannot read are passed over: a hint only). */
export class CompactIndexBuilder {
  private readonly byName = new Map<string, IndexRow[]>();
  private count = 0;

  constructor(private readonly layout: 2 | 3) {}

  add(hash: string, json: string): void {
    let record: unknown;
    try {
      record = JSON.parse(json);
    } catch {
      return;
    }
    const row = rowOf(hash, record);
    if (!row) return;
    const [name, values] = row;
    let rows = this.byName.get(name);
    if (!rows) this.byName.set(name, (rows = []));
    rows.push(values);
    this.count++;
  }

  finish(digest: string): CompactIndex {
    return { format: COMPACT_INDEX_VERSION, layout: this.layout, digest, specs: this.count, byName: Object.fromEntries(this.byName) };
  }
}

function rowOf(hash: string, record: unknown): [string, IndexRow] | undefined {
  if (!HASH.test(hash) || typeof record !== 'object' || record === null) return undefined;
  const { spec, in_buildcache: inBuildcache } = record as { spec?: unknown; in_buildcache?: unknown };
  if (inBuildcache !== true || typeof spec !== 'object' || spec === null) return undefined;
  const { name, version, arch, compiler, external } = spec as Record<string, unknown>;
  if (typeof name !== 'string' || typeof version !== 'string' || external) return undefined;
  if (typeof arch !== 'object' || arch === null) return undefined;
  const { platform, platform_os: os, target } = arch as Record<string, unknown>;
  const targetName = typeof target === 'string' ? target : typeof target === 'object' && target !== null ? (target as { name?: unknown }).name : undefined;
  if (typeof platform !== 'string' || typeof os !== 'string' || typeof targetName !== 'string') return undefined;
  const row: IndexRow = [version, hash, platform, os, targetName];
  if (typeof compiler === 'object' && compiler !== null) {
    const { name: cName, version: cVersion } = compiler as Record<string, unknown>;
    if (typeof cName === 'string' && typeof cVersion === 'string') row.push(cName, cVersion);
  }
  return [name, row];
}

/**
 * The index's specs of the requested package that this host can use, best first: the
 * version the request allows, then the same rule of compatibility every binary source uses
 * (rankBinaries), newest version first among equals.
 */
export function candidatesFromIndex(index: CompactIndex, request: { name: string; spec?: AbstractSpec | undefined; version?: string | undefined }, host: HostArch): IndexCandidate[] {
  const rows = index.byName[request.name] ?? [];
  const candidates = rows
    .map((row) => candidateOf(request.name, row))
    .filter((c) => c.arch.platform === host.platform && c.arch.os === host.os)
    .filter((c) => (request.spec?.versions ? versionSatisfies(c.version, request.spec.versions) : !request.version || c.version === request.version))
    .sort((a, b) => compareVersions(b.version, a.version));
  return rankBinaries({ os: host.os, target: host.target }, candidates);
}

function candidateOf(name: string, row: IndexRow): IndexCandidate {
  const [version, hash, platform, os, target, compiler, compilerVersion] = row;
  return { name, version, hash, arch: { platform, os, target }, ...(compiler && compilerVersion ? { compiler: { name: compiler, version: compilerVersion } } : {}) };
}
