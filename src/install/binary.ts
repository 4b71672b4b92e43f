import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import type { RegistryClient } from '../oci/client.js';
import { createLookupBudget, type LookupBudget } from '../oci/lookup-budget.js';
import type { Descriptor } from '../oci/schemas.js';
import { ANNOTATION_PREFIX } from '../buildcache/oci-platform.js';
import { readBuildCache, type BuildCache, type CachedSpec } from '../buildcache/read-build-cache.js';
import { verifyTarballs } from '../buildcache/verify-tarballs.js';
import { binaryFacts, describeNoFit, judgeBinary, rankCandidates, type BinaryFacts } from '../compatibility/judge.js';
import { specVerifier } from '../trust/verify-clearsigned.js';
import type { TrustedKey } from '../trust/public-key.js';
import type { HostArch } from './host.js';
import type { Reporter } from '../ui/reporter.js';
import { type SpackDialect, spackForLayout } from '../spack/dialect/index.js';
import { removeOnInterrupt } from '../interruption.js';
import type { ParsedRequest } from '../spec/parse.js';
import { nodesByHash } from '../spec/compiler.js';
import { unsatisfiedBecause } from '../spec/satisfies.js';
import { formatVersionList, versionSatisfies } from '../spec/version-range.js';

/** A build cache pulled from a registry whose digests, signatures and tarballs all checked out. */
export interface VerifiedBinary {
  registry: string;
  reference: string;
  digest: string;
  dir: string;
  cache: BuildCache;
  root: CachedSpec;
  /** The verified root spec, written where `spack install -f` reads it. */
  rootSpecFile: string;
  signed: boolean;
  remove(): Promise<void>;
}

export type BinaryLookup = { found: VerifiedBinary } | { found?: undefined; reasons: string[] };

export interface LookupOptions {
  registries: readonly string[];
  tag: string;
  name: string;
  version?: string | undefined;
  /** The whole request: a binary is used only when its verified spec satisfies it. */
  request?: ParsedRequest;
  host: HostArch;
  trustedKeys: readonly TrustedKey[];
  /** Require trusted signatures unless the registry is listed as unsigned. */
  verify: boolean;
  unsignedRegistries: readonly string[];
  /** The Spack that will install the binary: it installs only the build-cache layout it writes. */
  spack?: SpackDialect;
  /** Where progress goes (parallel lookups pass one without spinners). */
  reporter?: Reporter;
  /** How long finding the artifact in one registry may take before Paks moves on (default 30 s). */
  lookupTimeoutMs?: number;
  /** Each registry's time for this look-up, shared with the Spack-native look-up (default: lookupTimeoutMs per registry). */
  budget?: LookupBudget;
  /** After this long without an answer, a line says which registry Paks waits for (default 2 s). */
  waitNoticeMs?: number;
}

/** A registry client whose requests all end when `signal` fires. */
export type OpenRegistry = (signal: AbortSignal) => Promise<RegistryClient>;

/**
 * Looks for a binary in each registry in turn: the tag's image index picks the entry for
 * this platform; the artifact is pulled with every blob's digest checked; every spec's
 * signature and every tarball's checksum is checked before Spack sees any of it.
 * Registries that have nothing, or cannot be reached, are passed over with a reason.
 */
export async function lookupBinary(client: PaksClient, openRegistry: OpenRegistry, options: LookupOptions): Promise<BinaryLookup> {
  const reasons: string[] = [];
  for (const base of options.registries) {
    const controller = new AbortController();
    const registry = await openRegistry(controller.signal);
    try {
      const result = await lookupIn(client, registry, base, controller, options, reasons);
      if (result) return { found: result };
    } finally {
      await registry.close();
    }
  }
  return { reasons };
}

/** One registry: finding the artifact is bounded by lookupTimeoutMs; pulling and checking it is not. */
async function lookupIn(client: PaksClient, registry: RegistryClient, base: string, controller: AbortController, options: LookupOptions, reasons: string[]): Promise<VerifiedBinary | undefined> {
  const { parseReference, formatReference } = await import('../oci/reference.js');
  const { pullArtifact } = await import('../oci/artifact.js');
  const reporter = options.reporter ?? client.reporter;
  const budget = options.budget ?? createLookupBudget(options.lookupTimeoutMs ?? 30_000);
  const limitMs = budget.limitMs;
  const target = `${base.replace(/\/+$/, '')}/${options.name}:${options.tag}`;
  let reference;
  try {
    reference = parseReference(target);
  } catch (error) {
    reasons.push(`${target}: ${describeError(error)}`);
    return undefined;
  }
  let fetched;
  const notice = setTimeout(() => reporter.info(`Waiting for ${reference.registry} to answer about ${options.name} (Paks moves on after ${Math.round(limitMs / 1000)} s)...`), options.waitNoticeMs ?? 2000);
  try {
    fetched = await budget.within(base, controller, () => registry.getManifest(reference));
  } catch (error) {
    reasons.push(`${target}: ${unavailable(error)}`);
    return undefined;
  } finally {
    clearTimeout(notice);
  }
  const entries: Descriptor[] = fetched.kind === 'index'
    ? fetched.index.manifests
    : [{ mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length, ...(fetched.manifest.annotations ? { annotations: fetched.manifest.annotations } : {}) }];
  const entry = pickEntry(entries, options);
  if (!entry) {
    // A build for this machine whose version the request rules out: say that, not "no binary".
    const versioned = pickEntry(entries, { ...options, request: undefined, version: undefined });
    const version = versioned?.annotations?.[`${ANNOTATION_PREFIX}version`];
    if (version && options.request?.spec.versions) {
      reasons.push(`the registry's ${options.name} is @${version}; you asked @${formatVersionList(options.request.spec.versions)} (${target})`);
      return undefined;
    }
    // A build for this machine that the request's os=/target=/platform= rules out: say so.
    const verdict = versioned && options.request ? judgeBinary(entryFacts(versioned)!, options.host, options.request.spec) : undefined;
    if (verdict && !verdict.fits) {
      reasons.push(`the registry's ${options.name} ${verdict.reason} (${target})`);
      return undefined;
    }
    const offers = entries.map(entryFacts).filter((facts): facts is BinaryFacts => facts !== undefined);
    reasons.push(`${describeNoFit(options.name, options.host, offers)} (${target})`);
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), `paks-pull-${options.name}-`));
  const forget = removeOnInterrupt(dir);
  const remove = () => rm(dir, { recursive: true, force: true }).finally(forget);
  try {
    const pinned = { ...reference, digest: entry.digest };
    delete (pinned as { tag?: string }).tag;
    const pulled = await pullArtifact({ client: registry, reference: pinned, directory: join(dir, 'mirror'), reporter });
    const signedOnly = options.verify && !options.unsignedRegistries.some((r) => sameRegistry(r, base));
    const cache = await readBuildCache(join(dir, 'mirror'), signedOnly ? { verifySpec: specVerifier(options.trustedKeys) } : {});
    if (options.spack && cache.layout !== options.spack.buildCacheLayout) {
      throw new PaksError('spack', `its binary was built by ${spackForLayout(cache.layout)} (build-cache layout v${cache.layout}), which this Spack ${options.spack.version} cannot install; rebuild it with Spack ${options.spack.version} (paks build --push) or install it with ${spackForLayout(cache.layout)} (--spack-root, or spack_version and paks bootstrap)`);
    }
    if (!signedOnly && options.verify) client.reporter.warn(`${base} is listed in unsigned_registries: signatures of ${options.name} are not required.`);
    if (!options.verify) client.reporter.warn(`--no-verify: installing ${options.name} from ${base} without checking signatures.`);
    const named = cache.specs.filter((s) => s.name === options.name);
    if (named.length === 0) throw new PaksError('integrity', `${target} holds no spec of ${options.name}.`);
    const choice = chooseRoot(named, cache, options, entry.annotations?.[`${ANNOTATION_PREFIX}hash`]);
    if (!choice.root) {
      await remove();
      reasons.push(`the registry's ${choice.reason} (${target})`);
      return undefined;
    }
    const root = choice.root;
    if (signedOnly) {
      const unsigned = cache.specs.filter((s) => !s.signed);
      if (unsigned.length) throw new PaksError('trust', `${target} has unsigned specs (${unsigned.map((s) => s.specFile).join(', ')}).`, { hint: 'Pass --no-verify to accept unsigned binaries.' });
    }
    await verifyTarballs(cache);
    const rootSpecFile = join(dir, `${root.name}-${root.hash}.spec.json`);
    await writeFile(rootSpecFile, JSON.stringify(root.document));
    return {
        registry: base,
        reference: formatReference({ registry: reference.registry, repository: reference.repository, digest: pulled.digest }),
        digest: pulled.digest,
        dir: join(dir, 'mirror'),
        cache,
        root,
        rootSpecFile,
        signed: root.signed,
        remove,
    };
  } catch (error) {
    await remove();
    // A binary that fails verification is refused outright: never fall through to another copy silently.
    if (error instanceof PaksError && (error.kind === 'trust' || error.kind === 'integrity')) {
      throw new PaksError(error.kind, `Refusing the binary of ${options.name} from ${target}: ${describeError(error).replace(/\.$/, '')}.`, { hint: error.hint, cause: error });
    }
    reasons.push(`${target}: ${unavailable(error)}`);
    return undefined;
  }
}

/**
 * The cached spec of the package that fits this machine and satisfies the whole request (the
 * entry's own hash first), or the reason the first candidate does not. Fitting is judged on
 * the verified spec, whatever the index entry said: Spack installs a concrete spec without
 * checking its libc (Spack 1.1 transcript 160c), so Paks must.
 */
function chooseRoot(named: readonly CachedSpec[], cache: BuildCache, options: LookupOptions, entryHash: string | undefined): { root: CachedSpec; reason?: undefined } | { root?: undefined; reason: string } {
  const ordered = [...named].sort((a, b) => Number(b.hash === entryHash) - Number(a.hash === entryHash));
  const nodes = nodesByHash(cache.specs.flatMap((s) => s.document.spec.nodes));
  let reason: string | undefined;
  for (const candidate of ordered) {
    const verdict = judgeBinary(binaryFacts(candidate.document.spec.nodes, candidate.hash), options.host, options.request?.spec);
    if (!verdict.fits) {
      reason ??= `${options.name} ${verdict.reason}`;
      continue;
    }
    if (!options.request) {
      if (!options.version || candidate.version === options.version) return { root: candidate };
      reason ??= `${options.name} is @${candidate.version}; you asked @${options.version}`;
      continue;
    }
    const node = candidate.document.spec.nodes.find((n) => n.hash === candidate.hash) ?? candidate.document.spec.nodes[0]!;
    const why = unsatisfiedBecause(node, options.request.spec, nodes);
    if (why === undefined) return { root: candidate };
    reason ??= why;
  }
  return { reason: reason! };
}

/** The index entry that fits this machine best, judged on its annotations (see compatibility/judge.ts). */
function pickEntry(entries: readonly Descriptor[], options: LookupOptions): Descriptor | undefined {
  const annotation = (entry: Descriptor, key: string) => entry.annotations?.[`${ANNOTATION_PREFIX}${key}`];
  const candidates = entries
    .filter((entry) => !annotation(entry, 'version') || !options.request?.spec.versions || versionSatisfies(annotation(entry, 'version')!, options.request.spec.versions))
    .filter((entry) => !options.version || options.request || !annotation(entry, 'version') || annotation(entry, 'version') === options.version)
    .flatMap((entry) => {
      const facts = entryFacts(entry);
      return facts ? [{ entry, facts }] : [];
    });
  return rankCandidates(candidates, (c) => c.facts, options.host, options.request?.spec).fitting[0]?.candidate.entry;
}

/** What an index entry says it is built for; undefined when it names no Spack os and target. */
function entryFacts(entry: Descriptor): BinaryFacts | undefined {
  const annotation = (key: string) => entry.annotations?.[`${ANNOTATION_PREFIX}${key}`];
  const os = annotation('os');
  const target = annotation('target');
  if (!os || !target) return undefined;
  const platform = entry.platform?.os === 'linux' || entry.platform?.os === 'darwin' ? entry.platform.os : undefined;
  return { platform, os, target, libc: entryLibc(annotation('libc'), annotation('libc-prefix')) };
}

/** `glibc@2.36` → the libc; `none` → null (no libc in its DAG); absent or unreadable → unknown (an older artifact). */
function entryLibc(label: string | undefined, prefix: string | undefined): BinaryFacts['libc'] {
  if (label === 'none') return null;
  const match = label ? /^([A-Za-z0-9_-]+)@([A-Za-z0-9_.+-]+)$/.exec(label) : null;
  return match ? { name: match[1]!, version: match[2]!, ...(prefix ? { prefix } : {}) } : undefined;
}

function unavailable(error: unknown): string {
  if (error instanceof PaksError && error.kind === 'not-found') return 'not found';
  return describeError(error).replace(/\.$/, '');
}

function sameRegistry(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  return norm(b) === norm(a) || norm(b).startsWith(`${norm(a)}/`);
}
