/**
 * Whether a binary fits this machine, by Spack's own rules (Spack 0.22+ and 1.x reuse), as a
 * pure function: on Linux the libc decides, not the `os` string — a binary fits when its libc
 * has the host's name and prefix and a version no newer than the host's, and its target is
 * one the host runs. Elsewhere, and for a binary whose DAG records no libc, the `os` string
 * must match. An explicit `os=`/`target=`/`platform=` in the request is always honoured.
 */
import { canRun, genericTarget, isKnownTarget, targetAncestors } from '../buildcache/target-compatibility.js';
import type { SpecNode } from '../spack/spec-json.js';
import { targetName, targetParents } from '../spack/spec-node.js';
import { nodesByHash } from '../spec/compiler.js';
import { libcOf, type LibcNode } from '../spec/libc.js';
import type { AbstractSpec } from '../spec/parse.js';
import { compareVersions } from '../spec/version-range.js';
import type { HostFacts } from './host.js';

/** What a binary is built for, from its spec or from an index entry's annotations. */
export interface BinaryFacts {
  /** Undefined when the source does not say (an index entry's platform is OCI's, not Spack's). */
  platform?: string | undefined;
  os: string;
  target: string;
  targetParents?: readonly string[];
  /** `null`: the DAG records no libc; `undefined`: not known (an index entry written before Paks annotated it). */
  libc: LibcNode | null | undefined;
}

/** The request's architecture constraints (`os=`, `target=`, `platform=`). */
export type ArchRequest = Pick<AbstractSpec, 'platform' | 'os' | 'target'>;

export interface Rank {
  /** 0 for the host's own `os` string, 1 for another. */
  otherOs: number;
  /** The binary's libc version (newest first); undefined when it has none or is unknown. */
  libcVersion: string | undefined;
  /** 0 for the host's exact target, more for each step towards a generic family. */
  targetDistance: number;
}

export type Verdict = { fits: true; rank: Rank; facts: BinaryFacts } | { fits: false; reason: string; facts: BinaryFacts };

/** The binary's facts from its spec's nodes (the root first, or the node with `rootHash`). */
export function binaryFacts(nodes: readonly SpecNode[] | ReadonlyMap<string, SpecNode>, rootHash?: string): BinaryFacts {
  const byHash = nodes instanceof Map ? (nodes as ReadonlyMap<string, SpecNode>) : nodesByHash(nodes as readonly SpecNode[]);
  const root = (rootHash ? byHash.get(rootHash) : undefined) ?? (nodes instanceof Map ? undefined : (nodes as readonly SpecNode[])[0]);
  if (!root) throw new Error(`binaryFacts: no node ${rootHash ?? ''}`);
  return {
    platform: root.arch.platform,
    os: root.arch.platform_os,
    target: targetName(root.arch),
    targetParents: targetParents(root.arch),
    libc: libcOf(root, byHash) ?? null,
  };
}

/** `judgeBinary(spec nodes or facts, host, request)`: fits with a rank, or does not with a reason. */
export function judgeBinary(binary: readonly SpecNode[] | BinaryFacts, host: HostFacts, request?: ArchRequest): Verdict {
  const facts = Array.isArray(binary) ? binaryFacts(binary as readonly SpecNode[]) : (binary as BinaryFacts);
  const refuse = (reason: string): Verdict => ({ fits: false, reason, facts });
  if (request?.platform && facts.platform && request.platform !== facts.platform) return refuse(`is for platform=${facts.platform}; you asked platform=${request.platform}`);
  if (request?.os && request.os !== facts.os) return refuse(`is for os=${facts.os}; you asked os=${request.os}`);
  if (request?.target && request.target !== facts.target) return refuse(`is for target=${facts.target}; you asked target=${request.target}`);
  if (facts.platform && facts.platform !== host.platform) return refuse(`is for ${facts.platform}; this machine is ${host.platform}`);
  if (!canRun(host.target, facts.target)) return refuse(`is built for ${facts.target}, which this ${host.target} machine cannot run`);
  const byLibc = host.libc !== undefined && facts.libc;
  if (byLibc) {
    const theirs = facts.libc!;
    const ours = host.libc!;
    if (theirs.name !== ours.name) return refuse(`is built against ${theirs.name} ${theirs.version}; this machine has ${ours.name} ${ours.version}`);
    if (theirs.prefix !== undefined && theirs.prefix !== ours.prefix) return refuse(`is built against the ${theirs.name} in ${theirs.prefix}; this machine's is in ${ours.prefix}`);
    if (compareVersions(theirs.version, ours.version) > 0) return refuse(`needs ${theirs.name} ${theirs.version}, newer than this machine's ${ours.version}`);
  } else if (facts.os !== host.os) {
    return refuse(`is for ${facts.platform ?? host.platform}-${facts.os}; this machine is ${host.platform}-${host.os}`);
  }
  const ancestors = isKnownTarget(host.target) ? targetAncestors(host.target) : new Map([[host.target, 0]]);
  return {
    fits: true,
    facts,
    rank: { otherOs: facts.os === host.os ? 0 : 1, libcVersion: facts.libc ? facts.libc.version : undefined, targetDistance: ancestors.get(facts.target) ?? 0 },
  };
}

/** Best first: the host's own `os`, then the newest libc, then the most specific target. */
export function compareRanks(a: Rank, b: Rank): number {
  if (a.otherOs !== b.otherOs) return a.otherOs - b.otherOs;
  if (a.libcVersion !== b.libcVersion) {
    if (a.libcVersion === undefined) return 1;
    if (b.libcVersion === undefined) return -1;
    const newer = compareVersions(b.libcVersion, a.libcVersion);
    if (newer !== 0) return newer;
  }
  return a.targetDistance - b.targetDistance;
}

export interface RankedCandidates<T> {
  /** The candidates that fit, best first (ties keep their order). */
  fitting: Array<{ candidate: T; rank: Rank; facts: BinaryFacts }>;
  refused: Array<{ candidate: T; reason: string; facts: BinaryFacts }>;
}

/** Judges every candidate; `factsOf` says what each is built for. */
export function rankCandidates<T>(candidates: readonly T[], factsOf: (candidate: T) => readonly SpecNode[] | BinaryFacts, host: HostFacts, request?: ArchRequest): RankedCandidates<T> {
  const fitting: RankedCandidates<T>['fitting'] = [];
  const refused: RankedCandidates<T>['refused'] = [];
  for (const candidate of candidates) {
    const verdict = judgeBinary(factsOf(candidate), host, request);
    if (verdict.fits) fitting.push({ candidate, rank: verdict.rank, facts: verdict.facts });
    else refused.push({ candidate, reason: verdict.reason, facts: verdict.facts });
  }
  fitting.sort((a, b) => compareRanks(a.rank, b.rank));
  return { fitting, refused };
}

/** `glibc 2.31, haswell` (or `debian12, haswell` when the libc is unknown). */
export function describeHost(host: HostFacts): string {
  return `${host.libc ? `${host.libc.name} ${host.libc.version}` : host.os}, ${host.target}`;
}

/** `glibc ≥ 2.35 for x86_64_v3, musl ≥ 1.2.4 for aarch64`: what a source offers, by libc and generic target. */
export function describeOffers(offers: readonly BinaryFacts[]): string {
  const groups = new Map<string, { libc?: string; version?: string; os?: string; family: string }>();
  for (const offer of offers) {
    const family = genericTarget(offer.target, offer.targetParents);
    if (offer.libc) {
      const key = `${offer.libc.name} ${family}`;
      const seen = groups.get(key);
      if (!seen || compareVersions(offer.libc.version, seen.version!) < 0) groups.set(key, { libc: offer.libc.name, version: offer.libc.version, family });
    } else {
      groups.set(`${offer.os} ${family}`, { os: offer.os, family });
    }
  }
  return [...groups.values()].map((g) => (g.libc ? `${g.libc} ≥ ${g.version} for ${g.family}` : `${g.os} for ${g.family}`)).join(', ') || 'nothing';
}

/** "no binary of mytool fits this machine (glibc 2.31, haswell): the registry has glibc ≥ 2.35 for x86_64_v3" */
export function describeNoFit(name: string, host: HostFacts, offers: readonly BinaryFacts[]): string {
  return `no binary of ${name} fits this machine (${describeHost(host)}): the registry has ${describeOffers(offers)}`;
}
