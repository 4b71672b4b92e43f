import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import { Interrupted } from '../interruption.js';
import { listPackages, looksLikeRepository, openRepository, type PackageRepository } from '../repository/source.js';
import { spackInstall, prefixForRoot } from '../spack/install.js';
import { withTemporaryScope, type ScopeContent } from '../spack/scope.js';
import { checkSpecArguments, type SpackRunner } from '../spack/runner.js';
import { mapWithConcurrency } from '../oci/pool.js';
import { expandHome } from '../settings/load.js';
import type { VerifiedBinary } from './binary.js';
import { hostArch } from './host.js';
import { withoutTasks } from '../ui/reporter.js';
import type { PackageInfoByName } from '../sbom/package-info.js';
import { parseSpecRequest, type ParsedRequest } from '../spec/parse.js';
import { compareVersions, singleVersion } from '../spec/version-range.js';
import { findInstalled, type InstalledSpec } from '../spack/installed.js';

export interface InstallOptions {
  /** Registries to look in before trusted_pull_registries. */
  registries?: readonly string[];
  tag?: string | undefined;
  /** Build from source only, without looking in registries. */
  noCache?: boolean;
  /** Fail rather than build from source. */
  cacheOnly?: boolean;
  /** Require trusted signatures (default true). */
  verify?: boolean;
  plainHttp?: boolean;
  /** Write SBOMs into each root's prefix (default true). */
  sbom?: boolean;
  /** Extra Spack configuration (e.g. the padded install tree of `paks build`). */
  scope?: Omit<ScopeContent, 'repos' | 'mirrors'>;
}

export interface InstalledRoot {
  spec: string;
  name: string;
  version: string;
  hash: string;
  prefix: string;
  /** `installed`: Spack's store already satisfied the request; nothing was downloaded or rewritten. */
  origin: { kind: 'source' } | { kind: 'installed' } | { kind: 'binary'; registry: string; reference: string; digest: string; verified: boolean };
  seconds: number;
  /** Where the SBOM of this spec was written. */
  sbom?: string;
}

export interface InstallReport {
  roots: InstalledRoot[];
  repository?: PackageRepository;
}

/** The arguments of `paks install [REPO] [SPEC...]`: an optional repository, then specs. */
export async function resolveInstallArguments(client: PaksClient, args: readonly string[]): Promise<{ repository?: PackageRepository; specs: string[] }> {
  if (args.length === 0) throw new PaksError('usage', 'Nothing to install: name at least one spec or a package repository.', { hint: 'For example: paks install zlib' });
  const [first, ...rest] = args as [string, ...string[]];
  if (!(await looksLikeRepository(first, client.cwd))) return { specs: [...args] };
  const repository = await openRepository(first, { cwd: client.cwd, cloneDir: client.repositoryCacheDir, env: client.env });
  const specs = rest.length ? rest : await listPackages(repository);
  if (specs.length === 0) throw new PaksError('not-found', `The package repository ${repository.origin} has no packages.`);
  return { repository, specs };
}

/**
 * `paks install`: a verified binary from the registries for each spec that has one (pulled
 * in parallel), a source build for the rest (unless --cache-only), SBOMs for all.
 */
export async function installSpecs(client: PaksClient, args: readonly string[], options: InstallOptions = {}): Promise<InstallReport> {
  const { repository, specs } = await resolveInstallArguments(client, args);
  // Every spec is read before anything runs: a syntax error is one sentence, not a Spack trace.
  checkSpecArguments(specs);
  const requests = new Map(specs.map((spec) => [spec, parseSpecRequest(spec)]));
  const spack = await client.spack();
  const extra = options.scope ?? {};
  const present = await mapWithConcurrency(specs, 4, (spec) => alreadyInstalled(spack, requests.get(spec)!, repository, extra));
  const roots: InstalledRoot[] = present.filter((root): root is InstalledRoot => root !== undefined);
  const pending = specs.filter((_, i) => present[i] === undefined);
  const binaries = options.noCache || pending.length === 0 ? new Map<string, VerifiedBinary>() : await findBinaries(client, spack, pending, requests, options);
  // What `spack info` says of the binaries' packages (for their SBOMs) is asked while Spack installs.
  const binaryInfo = options.sbom === false || binaries.size === 0 ? undefined : packageInfoForBinaries(spack, [...binaries.values()]);
  try {
    const fromSource: string[] = [];
    for (const spec of pending) {
      const binary = binaries.get(spec);
      if (!binary) {
        fromSource.push(spec);
        continue;
      }
      try {
        roots.push(await installBinary(client, spack, requests.get(spec)!, binary, repository, extra));
      } catch (error) {
        if (options.cacheOnly || error instanceof Interrupted) throw error;
        client.reporter.warn(`Installing the binary of ${spec} failed (${describeError(error).replace(/\.$/, '')}); building it from source.`);
        fromSource.push(spec);
      }
    }
    if (fromSource.length) roots.push(...(await installFromSource(spack, fromSource, repository, extra)));
    if (options.sbom !== false) {
      const info = (await binaryInfo) ?? {};
      for (const root of roots) {
        if (root.origin.kind !== 'installed') root.sbom = await writeSbom(client, spack, root, binaries.get(root.spec), info);
      }
    }
    const order = new Map(specs.map((s, i) => [s, i]));
    roots.sort((a, b) => order.get(a.spec)! - order.get(b.spec)!);
    return repository ? { roots, repository } : { roots };
  } finally {
    await Promise.all([...binaries.values()].map((b) => b.remove()));
  }
}

/**
 * A spec Spack's store already satisfies (the newest match, as Spack's reuse would pick):
 * nothing to download, build or rewrite.
 */
async function alreadyInstalled(spack: SpackRunner, request: ParsedRequest, repository: PackageRepository | undefined, extra: InstallOptions['scope']): Promise<InstalledRoot | undefined> {
  const started = Date.now();
  const matches = await withTemporaryScope({ ...extra, dialect: await spack.dialect(), repos: repository ? [repository.root] : [] }, (scope) =>
    findInstalled(scope ? spack.withScope(scope.dir) : spack, [request.text]).catch((error: unknown): InstalledSpec[] => {
      if (error instanceof Interrupted) throw error;
      return [];
    }),
  );
  // From a package repository, only that repository's build counts.
  const usable = matches.filter((m) => (request.spec.name === undefined || m.name === request.spec.name) && m.prefix && !m.external && (!repository || m.namespace === repository.namespace));
  if (usable.length === 0) return undefined;
  const best = usable.sort((a, b) => compareVersions(b.version, a.version))[0]!;
  return { spec: request.text, name: best.name, version: best.version, hash: best.hash, prefix: best.prefix!, origin: { kind: 'installed' }, seconds: (Date.now() - started) / 1000 };
}

async function findBinaries(client: PaksClient, spack: SpackRunner, specs: readonly string[], requests: ReadonlyMap<string, ParsedRequest>, options: InstallOptions): Promise<Map<string, VerifiedBinary>> {
  const locations = [...new Set([...(options.registries ?? []), ...client.values.trusted_pull_registries])];
  // https:// and file:// entries are Spack mirrors, asked after the registries with trusted_mirrors.
  const { looksLikeMirror } = await import('../mirror/location.js');
  const registries = locations.filter((l) => !looksLikeMirror(l));
  const mirrors = [...new Set([...locations.filter(looksLikeMirror), ...client.values.trusted_mirrors])];
  const found = new Map<string, VerifiedBinary>();
  if (registries.length === 0 && mirrors.length === 0) {
    if (options.cacheOnly) throw new PaksError('usage', '--cache-only needs a registry, but trusted_pull_registries is empty and no --registry was given.');
    return found;
  }
  const [{ lookupBinary }, { loadTrustedKeys }] = await Promise.all([import('./binary.js'), import('../trust/trusted-keys.js')]);
  const host = await hostArch(spack);
  const trustedKeys = await loadTrustedKeys(client.home, client.values.trusted_keys.map((f) => expandHome(f, client.home)));
  const openRegistry = (signal: AbortSignal) => client.registryClient({ plainHttp: options.plainHttp, signal });
  const parallel = specs.length > 1;
  const task = parallel ? client.reporter.task(`Looking for verified binaries of ${specs.join(', ')}`) : undefined;
  const reporter = parallel ? withoutTasks(client.reporter) : client.reporter;
  const mirrorSource = mirrors.length ? await (await import('../mirror/source.js')).openMirrorSource(client, reporter) : undefined;
  try {
    await mapWithConcurrency(specs, client.values.registry_concurrency, async (spec) => {
      const request = requests.get(spec)!;
      const name = request.spec.name;
      // `/hash` alone names no artifact: Spack finds it (installed, or in its own mirrors).
      if (name === undefined) return;
      const version = request.spec.versions ? singleVersion(request.spec.versions) : undefined;
      const tag = options.tag ?? version ?? client.values.default_tag;
      const lookupOptions = {
        registries,
        tag,
        name,
        version,
        request,
        host,
        trustedKeys,
        verify: options.verify !== false,
        unsignedRegistries: client.values.unsigned_registries,
        spack: await spack.dialect(),
        reporter,
        lookupTimeoutMs: client.values.registry_lookup_timeout * 1000,
      };
      let lookup: Awaited<ReturnType<typeof lookupBinary>> = registries.length ? await lookupBinary(client, openRegistry, lookupOptions) : { reasons: [] };
      if (!lookup.found && registries.length) {
        // No Paks artifact: a Spack-native OCI build cache (index.spack) may have it.
        const { lookupSpackNativeBinary } = await import('../spack-oci/install-source.js');
        const registry = await openRegistry(new AbortController().signal);
        try {
          const native = await lookupSpackNativeBinary(client, registry, lookupOptions);
          lookup = native.found ? native : { reasons: [...lookup.reasons, ...native.reasons] };
        } finally {
          await registry.close();
        }
      }
      if (!lookup.found && mirrorSource) {
        const fromMirrors = await mirrorSource.lookup(mirrors, lookupOptions);
        lookup = fromMirrors.found ? fromMirrors : { reasons: [...lookup.reasons, ...fromMirrors.reasons] };
      }
      // Recorded at once, so a failure elsewhere still cleans up this pull.
      if (lookup.found) {
        found.set(spec, lookup.found);
        return;
      }
      const why = lookup.reasons.join('; ');
      if (options.cacheOnly) {
        throw new PaksError('not-found', `No binary of ${spec} for ${host.platform}-${host.os}-${host.target}: ${why}.`, { hint: 'Drop --cache-only to build it from source.' });
      }
      client.reporter.info(`No binary of ${spec} found (${why}); building from source.`);
    });
    task?.succeed(`Found verified binaries for ${found.size} of ${specs.length} specs`);
    return found;
  } catch (error) {
    task?.fail();
    await Promise.all([...found.values()].map((b) => b.remove()));
    throw error;
  } finally {
    await mirrorSource?.close();
  }
}

async function installBinary(client: PaksClient, spack: SpackRunner, request: ParsedRequest, binary: VerifiedBinary, repository: PackageRepository | undefined, extra: InstallOptions['scope']): Promise<InstalledRoot> {
  const started = Date.now();
  client.reporter.info(`Installing ${binary.root.name}@${binary.root.version} from ${binary.reference}${binary.signed ? ' (signature verified)' : ' (unsigned)'}`);
  const mirror = { [`paks-${binary.root.hash.slice(0, 7)}`]: { url: `file://${binary.dir}`, signed: false } };
  return withTemporaryScope({ ...extra, dialect: await spack.dialect(), repos: repository ? [repository.root] : [], mirrors: mirror }, async (scope) => {
    const runner = scope ? spack.withScope(scope.dir) : spack;
    // Paks has verified every signature and tarball checksum in this mirror itself.
    const byRequest = request.unevaluated.length > 0;
    if (byRequest) {
      // Syntax Paks does not evaluate (${request.unevaluated.join(', ')}): Spack decides, from the verified cache only.
      client.reporter.info(`Paks does not check ${request.unevaluated.join(', ')} itself: Spack decides whether the binary fits.`);
    }
    // The verified mirror is `signed: false` in the scope; any other mirror Spack may use keeps its signature check.
    // The artifact holds every link/run dependency, so nothing is built: with dependencies `auto`, Spack 1.x
    // would build build-only ones (compiler-wrapper) from source (Spack 1.1 transcript 154).
    const result = byRequest
      ? await spackInstall(runner, [request.text], { buildcache: { package: 'only', dependencies: 'auto' } })
      : await spackInstall(runner, [], { specFiles: [binary.rootSpecFile], buildcache: { package: 'only', dependencies: 'only' }, skipSignatureCheck: true });
    const entry = result.installed.filter((e) => e.hash === binary.root.hash).at(-1) ?? prefixForRoot(result, binary.root.name);
    if (!entry) throw new PaksError('spack', `Spack finished but did not report where ${binary.root.name} was installed.`);
    const fromCache = binary.cache.specs.some((s) => s.hash === entry.hash);
    if (!fromCache) client.reporter.warn(`Spack installed ${entry.name}/${entry.hash.slice(0, 7)}, which is not the verified binary from ${binary.registry}.`);
    return {
      spec: request.text,
      name: entry.name,
      version: entry.version,
      hash: entry.hash,
      prefix: await realPrefix(runner, entry),
      origin: { kind: 'binary', registry: binary.registry, reference: binary.reference, digest: binary.digest, verified: binary.signed && fromCache },
      seconds: (Date.now() - started) / 1000,
    };
  });
}

/** Spack shortens padded prefixes in its output ("[padded-to-128-chars]"): ask its database for the real one. */
async function realPrefix(spack: SpackRunner, entry: { prefix: string; hash: string }): Promise<string> {
  if (!entry.prefix.includes('[padded-to-') || !entry.hash) return entry.prefix;
  const found = await findInstalled(spack, [`/${entry.hash}`]);
  return found[0]?.prefix ?? entry.prefix;
}

async function installFromSource(spack: SpackRunner, specs: readonly string[], repository: PackageRepository | undefined, extra: InstallOptions['scope']): Promise<InstalledRoot[]> {
  return withTemporaryScope({ ...extra, dialect: await spack.dialect(), repos: repository ? [repository.root] : [] }, async (scope) => {
    const runner = scope ? spack.withScope(scope.dir) : spack;
    const started = Date.now();
    const result = await spackInstall(runner, specs);
    const seconds = (Date.now() - started) / 1000;
    const roots: InstalledRoot[] = [];
    for (const spec of specs) {
      const entry = prefixForRoot(result, spec);
      if (!entry) throw new PaksError('spack', `Spack finished but did not report where ${spec} was installed.`, { hint: 'Check with: paks list -p' });
      roots.push({ spec, name: entry.name, version: entry.version, hash: entry.hash, prefix: await realPrefix(runner, entry), origin: { kind: 'source' as const }, seconds });
    }
    return roots;
  });
}

async function packageInfoForBinaries(spack: SpackRunner, binaries: readonly VerifiedBinary[]): Promise<PackageInfoByName> {
  const { packageInfoFromSpack } = await import('../sbom/generate.js');
  return packageInfoFromSpack(spack, binaries.flatMap((b) => b.root.document.spec.nodes)).catch(() => ({}));
}

/**
 * SBOMs made from the verified spec of a binary (not the artifact's own SBOM files, which
 * no signature covers), or from the installed spec after a source build.
 */
async function writeSbom(client: PaksClient, spack: SpackRunner, root: InstalledRoot, binary: VerifiedBinary | undefined, binaryInfo: PackageInfoByName): Promise<string | undefined> {
  try {
    const { installedSpecDocument, packageInfoFromSpack, sbomsFor, writeInstalledSboms } = await import('../sbom/generate.js');
    const document = binary ? binary.root.document : await installedSpecDocument(spack, root.hash);
    const info = binary ? binaryInfo : await packageInfoFromSpack(spack, document.spec.nodes);
    return await writeInstalledSboms(root.prefix, sbomsFor(document, info, new Date()));
  } catch (error) {
    client.reporter.warn(`Could not write the SBOM of ${root.name} into ${root.prefix}: ${describeError(error)}`);
    return undefined;
  }
}
