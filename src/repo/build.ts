import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { spackInstall, prefixForRoot, type InstalledNode } from '../spack/install.js';
import { withTemporaryScope } from '../spack/scope.js';
import { buildScope } from '../build/scope.js';
import { removeStaleBuilds } from '../build/tree.js';
import { noteBuildTree } from '../build/tree-note.js';
import { HOST_TARGET } from '../build/target.js';
import { spackTestRun, standaloneTestMethods } from '../spack/test.js';
import type { SpackRunner } from '../spack/runner.js';
import { buildCacheOf, packageSettings, type CommunityRepository, type TestLevel } from './config.js';
import { changedPackages } from './changed.js';
import { readRepoPackages, spackRepositoryAt, type RepoPackage } from './packages.js';
import { junitReport } from './junit.js';

export interface RepoBuildOptions {
  /** Packages to build; none: the packages changed since `changedSince` (default: the merge base). */
  packages?: readonly string[];
  changedSince?: string | undefined;
  /** Overrides paks.yaml's tests (and the packages' own). */
  tests?: TestLevel | undefined;
  /** Sign and push each package to <registry>/<package> after its tests pass. */
  push?: boolean;
  junit?: string | undefined;
  keepGoing?: boolean;
  plainHttp?: boolean;
  key?: string | undefined;
  /** Build for this target family only, instead of paks.yaml's `targets:` (see build/target.ts). */
  target?: string | undefined;
  /** Write each tested build as a build cache in `<output>/<name>-<version>-<hash7>/` (CI hands it to the publish job). */
  output?: string | undefined;
  /** With output: leave the caches unsigned (a build job holds no key; the publish job signs). */
  unsigned?: boolean;
  /** Skip a package whose exact build (`<registry>/<name>:<version>-<hash7>`) this registry already holds. */
  missingFrom?: string | undefined;
  /** Folders of unsigned build caches from earlier stages of this run: Spack takes their builds first. */
  mirrors?: readonly string[];
  /** Take dependencies from the repository's Spack build cache (paks.yaml build_cache) when it holds them. */
  buildCache?: boolean;
  /**
   * Write what Spack built from source that is not a package of this repository (dependencies,
   * build tools) as one unsigned build cache in this folder, for the publish job to sign and
   * push to the build cache.
   */
  dependencyOutput?: string | undefined;
}

export type StepStatus = 'passed' | 'failed' | 'skipped';

export interface PackageBuild {
  name: string;
  /** published: the registry already holds this exact build (missingFrom), so nothing was built. */
  status: 'built' | 'failed' | 'skipped' | 'published';
  /** The target family of this build (none: the host's microarchitecture). */
  target?: string;
  version?: string;
  hash?: string;
  /** What ran, in order, with its outcome: build (with build-time tests), stand-alone tests, push. */
  steps: Array<{ step: 'build' | 'test' | 'push'; status: StepStatus; seconds: number; detail?: string; log?: string }>;
  /** Stand-alone tests: specs passed (Spack counts specs). */
  testsPassed?: number;
  pushed?: { reference: string; digest: string };
  /** The container pushed beside it (paks.yaml `container:`). */
  container?: { reference: string; digest: string };
  /** The build cache written to the output folder. */
  cache?: { dir: string; signed: boolean; digest: string };
  /** With missingFrom: the build the registry already holds. */
  published?: string;
  /** Why it failed or was skipped, in one sentence. */
  reason?: string;
  /** The last lines of Spack's build or test log. */
  logTail?: string[];
  /** What Spack built from source in this build, and what it took from build caches (`name@version/hash7`). */
  fromSource?: string[];
  fromBuildCache?: string[];
  /** With dependencyOutput: the dependencies Spack built from source for it, kept in that cache. */
  dependencies?: string[];
}

export interface RepoBuildReport {
  packages: PackageBuild[];
  ok: boolean;
  /** With dependencyOutput, when Spack built any: the one cache of them and its digest (for paks sign --expect-digest). */
  dependencies?: { dir: string; digest: string; specs: string[] };
}

const LOG_TAIL_LINES = 25;

/**
 * `paks repo build`: each package (dependencies first) built from source with Spack's
 * build-time tests, then its stand-alone tests, then — with push — signed and pushed
 * through `paks build`. A failure stops that package's push and, without keepGoing, the run.
 */
export async function buildRepository(client: PaksClient, repo: CommunityRepository, options: RepoBuildOptions = {}): Promise<RepoBuildReport> {
  const spackRepo = await spackRepositoryAt(repo.root);
  const recipes = await readRepoPackages(spackRepo);
  const names = await selectPackages(repo, recipes, options);
  if (options.unsigned && !options.output) throw new PaksError('usage', '--unsigned needs --output DIR: the unsigned build caches go there, for a publish job to sign.');
  if (options.push && options.unsigned) throw new PaksError('usage', '--push and --unsigned cannot be used together: the registry only gets signed builds.', { hint: 'Build with --unsigned --output DIR, then sign with paks sign and push with paks repo publish.' });
  if (options.push || (options.output && !options.unsigned)) {
    // Before any long build: is there a key to sign with?
    const { usableSigningKey } = await import('../signing/keys.js');
    await usableSigningKey(client, options.key);
  }
  const spack = await client.spack();
  // Every package's target families, checked against this host before anything is built.
  const targets = await targetsOfPackages(client, spack, repo, names, options.target);
  const dependencyMirror = options.buildCache && names.length ? await buildCacheMirror(client, repo) : undefined;
  const results: PackageBuild[] = [];
  const failed = new Set<string>();
  let stop = false;
  for (const name of names) {
    for (const target of targets.get(name)!) {
      const blockedBy = recipes.get(name)!.dependsOn.find((d) => failed.has(d));
      if (stop || blockedBy) {
        results.push({ name, status: 'skipped', ...(target ? { target } : {}), steps: [], reason: blockedBy ? `its dependency ${blockedBy} failed` : 'an earlier package failed (use --keep-going to build the others)' });
        if (blockedBy) failed.add(name);
        continue;
      }
      const result = await buildOne(client, spack, repo, spackRepo.root, recipes, name, target, options, dependencyMirror);
      results.push(result);
      if (result.status === 'failed') {
        failed.add(name);
        if (!options.keepGoing) stop = true;
      }
    }
  }
  const report: RepoBuildReport = { packages: results, ok: results.every((r) => r.status === 'built' || r.status === 'published') };
  const kept = results.flatMap((r) => r.dependencies ?? []);
  if (options.dependencyOutput && kept.length) {
    const { cacheDigest } = await import('../signing/sign-cache.js');
    const dir = resolve(client.cwd, options.dependencyOutput);
    report.dependencies = { dir, digest: await cacheDigest(dir), specs: kept };
  }
  if (options.junit) {
    await mkdir(dirname(options.junit), { recursive: true });
    await writeFileAtomic(options.junit, junitReport(report));
  }
  return report;
}

async function selectPackages(repo: CommunityRepository, recipes: Map<string, RepoPackage>, options: RepoBuildOptions): Promise<string[]> {
  if (options.packages?.length) {
    for (const name of options.packages) {
      if (!recipes.has(name)) {
        throw new PaksError('usage', `There is no package ${name} in this repository (${[...recipes.keys()].join(', ') || 'it has none yet'}).`, {
          hint: `Add it with: paks repo add ${name} --from-spack`,
        });
      }
    }
    // Dependencies first, whatever order they were named in.
    const { stagesOf } = await import('./packages.js');
    const stages = stagesOf(recipes, new Set(options.packages));
    return [...new Set(options.packages)].sort((a, b) => stages.get(a)! - stages.get(b)! || a.localeCompare(b));
  }
  const changed = await changedPackages(repo, { since: options.changedSince });
  return changed.packages.map((p) => p.name);
}

/** The families each package is built for on this host: --target, else paks.yaml's `targets:` of this host's family, else build_target. */
async function targetsOfPackages(client: PaksClient, spack: SpackRunner, repo: CommunityRepository, names: readonly string[], flag: string | undefined): Promise<Map<string, Array<string | undefined>>> {
  if (names.length === 0) return new Map();
  const [{ buildTargetFor, buildTargetsFor }, { hostArch }] = await Promise.all([import('../build/target.js'), import('../install/host.js')]);
  const host = await hostArch(spack);
  return new Map(names.map((name) => [name, flag ? [buildTargetFor(flag, host)] : buildTargetsFor(packageSettings(repo.config, name).targets, client.values.build_target, host)]));
}

async function buildOne(client: PaksClient, spack: SpackRunner, repo: CommunityRepository, spackRoot: string, recipes: Map<string, RepoPackage>, name: string, target: string | undefined, options: RepoBuildOptions, dependencyMirror: Mirror | undefined): Promise<PackageBuild> {
  const result: PackageBuild = { name, status: 'built', ...(target ? { target } : {}), steps: [] };
  const level = options.tests ?? packageSettings(repo.config, name).tests;
  const earlier = await earlierStageCaches(options.mirrors ?? []);
  await prefetchDependencies(client, repo, recipes, name, options, earlier);

  // The same padded install tree as `paks build`, which then pushes exactly this build.
  // This run's earlier stages first, then the repository's build cache of dependencies.
  const mirrors = { ...earlier.mirrors, ...(dependencyMirror ? { 'paks-build-cache': dependencyMirror } : {}) };
  await withTemporaryScope({ ...buildScope({ paddedLength: client.values.build_padded_length, repos: [spackRoot], dialect: await spack.dialect(), target }), mirrors }, async (scope) => {
    const runner = scope ? spack.withScope(scope.dir) : spack;
    if (client.values.build_padded_length > 0) await removeStaleBuilds(client, runner);
    await noteBuildTree(client);
    // 0. Already published, exactly this build? Then there is nothing to do.
    if (options.missingFrom) {
      const published = await publishedBuild(client, runner, options.missingFrom, name, options.plainHttp).catch((error: unknown) => {
        // A registry Paks cannot ask (not created yet, private) is no reason not to build.
        client.reporter.info(`Could not ask ${options.missingFrom} for ${name}'s exact build (${describeError(error).replace(/\.$/, '')}); building it.`);
        return undefined;
      });
      if (published) {
        result.status = 'published';
        result.version = published.version;
        result.hash = published.hash;
        result.published = published.reference;
        client.reporter.info(`${name}@${published.version}/${published.hash.slice(0, 7)} is already in ${published.reference}: not building it again`);
        return;
      }
    }
    // 1. Build from source with Spack's build-time tests.
    client.reporter.info(`Building ${name}${target ? ` for ${target}` : ''}${level === 'none' ? '' : ` with ${level === 'all' ? 'all' : "its own"} build-time tests`}`);
    let started = Date.now();
    // Fresh roots: the recipe as it is now, not an earlier build of it that Spack would reuse.
    const installed = await spackInstall(runner, [name], { ...(level === 'none' ? {} : { tests: level }), freshRoots: true, allowFailure: true });
    result.fromSource = installed.builtFromSource.map(shortNode);
    result.fromBuildCache = installed.fromBuildCache.map(shortNode);
    // Even when the package failed: what Spack built before it need not be built again.
    const dependencies = installed.builtFromSource.filter((node) => !recipes.has(node.name));
    if (options.dependencyOutput && dependencies.length) await writeDependencyCache(client, runner, result, dependencies, resolve(client.cwd, options.dependencyOutput));
    if (installed.failure) {
      const reason = spackReason(installed.failure.stderr) ?? `spack install exited with ${installed.failure.exitCode}`;
      const logFile = (/See test log for details:\n\s+(\S+)/.exec(installed.failure.stderr) ?? /See build log for details:\n\s+(\S+)/.exec(installed.failure.stderr))?.[1];
      fail(result, 'build', started, `the build${level === 'none' ? '' : ' or its build-time tests'} failed: ${reason}`, await logTail(logFile, installed.failure.stderr));
      return;
    }
    const root = prefixForRoot(installed, name);
    if (!root) {
      fail(result, 'build', started, 'Spack finished but did not say where it installed it', []);
      return;
    }
    result.version = root.version;
    result.hash = root.hash;
    result.steps.push({ step: 'build', status: 'passed', seconds: seconds(started), detail: `${name}@${root.version}/${root.hash.slice(0, 7)}` });

    // 2. Stand-alone tests, when the package has any.
    if (level !== 'none') {
      started = Date.now();
      const methods = await standaloneTestMethods(runner, name);
      if (methods.length) {
        const junitDir = await mkdtemp(join(tmpdir(), 'paks-test-'));
        try {
          const run = await spackTestRun(runner, `/${root.hash}`, { alias: `paks-${name}-${randomBytes(4).toString('hex')}`, junitFile: join(junitDir, 'junit.xml') });
          if (!run.passed) {
            fail(result, 'test', started, `its stand-alone tests failed: ${run.reason}`, tail(run.log ?? run.stderr));
            return;
          }
          result.testsPassed = methods.length;
          result.steps.push({ step: 'test', status: 'passed', seconds: seconds(started), detail: `${methods.length} passed (${methods.join(', ')})` });
        } finally {
          await rm(junitDir, { recursive: true, force: true });
        }
      }
    }
  });
  if (result.status !== 'built') return result;
  // A package that is never published (publish: false) leaves no cache for the publish job.
  if (options.output) return packageSettings(repo.config, name).publish ? writeOutputCache(client, repo, result, options) : result;
  if (!options.push) return result;

  // 3. Sign and push through `paks build` (the package is installed: Spack reuses it).
  const started = Date.now();
  const destination = `${repo.config.registry}/${name}`;
  try {
    const { buildSpecs } = await import('../build/build.js');
    // name/hash: exactly the build that passed its tests, not another installed one.
    const container = packageSettings(repo.config, name).container;
    if (container) client.reporter.info(`Pushing ${name} also as a container on ${container.base_image} to ${destination}/container`);
    const built = await buildSpecs(client, [repo.root, `${name}/${result.hash}`], {
      push: destination,
      key: options.key,
      plainHttp: options.plainHttp,
      target: target ?? HOST_TARGET,
      ...(container ? { baseImage: container.base_image, entrypoint: container.entrypoint } : {}),
    });
    const published = built.caches[0]?.published;
    if (!published) throw new PaksError('internal', `paks build did not report a push of ${name}.`);
    result.pushed = { reference: published.reference, digest: published.digest };
    const image = built.caches[0]?.container;
    if (image) result.container = { reference: image.reference, digest: image.digest };
    result.steps.push({ step: 'push', status: 'passed', seconds: seconds(started), detail: published.reference });
  } catch (error) {
    fail(result, 'push', started, `the push to ${destination} failed: ${describeError(error).replace(/\.$/, '')}`, []);
  }
  return result;
}

/**
 * Dependencies from this repository come from its registry when an earlier stage (or an
 * earlier run) pushed them: cache-first, so a job does not rebuild what another built.
 */
async function prefetchDependencies(client: PaksClient, repo: CommunityRepository, recipes: Map<string, RepoPackage>, name: string, options: RepoBuildOptions, earlier: EarlierStages): Promise<void> {
  const deps = new Set<string>();
  const visit = (n: string) => {
    for (const d of recipes.get(n)?.dependsOn ?? []) {
      if (!deps.has(d)) {
        deps.add(d);
        visit(d);
      }
    }
  };
  visit(name);
  // What an earlier stage of this run built comes from its cache, never from the registry's older build.
  for (const built of earlier.names) deps.delete(built);
  if (!deps.size) return;
  const names = [...deps];
  try {
    // Into the padded build tree, where the build looks; already installed ones stay as they are.
    const report = await client.install([repo.root, ...names], { registries: [repo.config.registry], cacheOnly: true, sbom: false, plainHttp: options.plainHttp, scope: buildScope({ paddedLength: client.values.build_padded_length }) });
    for (const root of report.roots) {
      if (root.origin.kind === 'binary') client.reporter.info(`Took ${root.name}@${root.version} from ${root.origin.reference}`);
    }
  } catch (error) {
    client.reporter.info(`Dependencies ${names.join(', ')} are not all in ${repo.config.registry} yet (${describeError(error).replace(/\.$/, '')}); Spack builds them.`);
  }
}

type Mirror = { url: string; signed: boolean };

/**
 * The repository's build cache as a Spack mirror, when Spack can read it: Spack reads OCI build
 * caches over HTTPS only, and without an index.spack (nothing pushed yet) there is nothing to take.
 * Unsigned in Spack's eyes (Spack checks no signatures on OCI build caches); only the publish
 * job, which holds the key, writes to it, after checking each cache is what a build job made.
 */
async function buildCacheMirror(client: PaksClient, repo: CommunityRepository): Promise<Mirror | undefined> {
  const { parseReference } = await import('../oci/reference.js');
  const ref = buildCacheOf(repo.config);
  if (!ref) return undefined;
  const reference = parseReference(ref);
  // One bounded look-up (registry_lookup_timeout): a silent registry does not hold the build up.
  const { createLookupBudget } = await import('../oci/lookup-budget.js');
  const stop = new AbortController();
  const registry = await client.registryClient({ httpsOnly: true, signal: stop.signal });
  try {
    const index = await createLookupBudget(client.values.registry_lookup_timeout * 1000).within(reference.registry, stop, () => registry.manifestDigest({ ...reference, tag: 'index.spack' }));
    if (!index) {
      client.reporter.info(`The build cache ${ref} holds nothing yet: Spack builds the dependencies from source.`);
      return undefined;
    }
    client.reporter.info(`Dependencies come from the build cache ${ref} when it holds them`);
    return { url: `oci://${ref}`, signed: false };
  } catch (error) {
    client.reporter.info(`Spack cannot read the build cache ${ref} over HTTPS (${describeError(error).replace(/\.$/, '')}): it builds the dependencies from source.`);
    return undefined;
  } finally {
    await registry.close();
  }
}

/** An unsigned build cache of the dependencies Spack built from source for this package, for the publish job. */
async function writeDependencyCache(client: PaksClient, runner: SpackRunner, result: PackageBuild, nodes: readonly InstalledNode[], dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const { spackBuildcachePushOnly } = await import('../build/cache.js');
    await spackBuildcachePushOnly(runner, dir, nodes);
    result.dependencies = nodes.map(shortNode);
  } catch (error) {
    // The package's own build does not depend on it: the next run builds them again.
    client.reporter.warn(`Could not keep ${nodes.map((node) => node.name).join(', ')} for the build cache: ${describeError(error)}`);
  }
}

function shortNode(node: InstalledNode): string {
  return `${node.name}@${node.version}/${node.hash.slice(0, 7)}`;
}

interface EarlierStages {
  mirrors: Record<string, Mirror>;
  names: Set<string>;
}

/** The caches earlier stages of this run built, as unsigned local mirrors, and the packages they hold. */
async function earlierStageCaches(folders: readonly string[]): Promise<EarlierStages> {
  const { findBuildCaches } = await import('./build-output.js');
  const { readBuildCache } = await import('../buildcache/read-build-cache.js');
  const earlier: EarlierStages = { mirrors: {}, names: new Set() };
  for (const folder of folders) {
    const caches = await findBuildCaches(resolve(folder));
    if (!caches.length) throw new PaksError('usage', `--mirror ${folder} holds no Spack build cache.`, { hint: 'Give the folder the earlier stages\' artifacts were downloaded to.' });
    for (const dir of caches) {
      const cache = await readBuildCache(dir);
      // Unsigned on purpose: this run's own earlier jobs built them, and only this run uses them.
      earlier.mirrors[`paks-stage-${Object.keys(earlier.mirrors).length}`] = { url: `file://${dir}`, signed: false };
      for (const spec of cache.specs) {
        const node = spec.document.spec.nodes.find((n) => n.hash === spec.hash);
        if (node) earlier.names.add(node.name);
      }
    }
  }
  return earlier;
}

/** The registry's build of what Spack would build now (`<name>:<version>-<hash7>`), if it has it. */
async function publishedBuild(client: PaksClient, runner: SpackRunner, registry: string, name: string, plainHttp?: boolean): Promise<{ reference: string; version: string; hash: string } | undefined> {
  const [{ concretizeFreshRoot }, { buildTag }, { parseReference, formatReference }] = await Promise.all([import('../spack/concretize.js'), import('../buildcache/tags.js'), import('../oci/reference.js')]);
  const root = await concretizeFreshRoot(runner, name);
  const reference = { ...parseReference(`${registry}/${name}`), tag: buildTag(root) };
  const registryClient = await client.registryClient({ plainHttp });
  try {
    const digest = await registryClient.manifestDigest(reference);
    return digest ? { reference: formatReference({ ...reference, digest }), version: root.version, hash: root.hash } : undefined;
  } finally {
    await registryClient.close();
  }
}

/** The tested build as a build cache in the output folder (unsigned for a publish job, or signed). */
async function writeOutputCache(client: PaksClient, repo: CommunityRepository, result: PackageBuild, options: RepoBuildOptions): Promise<PackageBuild> {
  const started = Date.now();
  const { outputCacheName } = await import('./build-output.js');
  const dir = join(resolve(options.output!), outputCacheName({ name: result.name, version: result.version!, hash: result.hash! }));
  try {
    const { buildSpecs } = await import('../build/build.js');
    // name/hash: exactly the build that passed its tests; the package is installed, so Spack reuses it.
    const built = await buildSpecs(client, [repo.root, `${result.name}/${result.hash}`], { cacheDir: dir, unsigned: Boolean(options.unsigned), key: options.key, force: true });
    const { cacheDigest } = await import('../signing/sign-cache.js');
    // What the publish job checks before it signs (paks sign --expect-digest).
    result.cache = { dir, signed: Boolean(built.caches[0]?.signedBy), digest: await cacheDigest(dir) };
    result.steps.push({ step: 'push', status: 'passed', seconds: seconds(started), detail: `build cache in ${dir}` });
  } catch (error) {
    fail(result, 'push', started, `writing its build cache to ${dir} failed: ${describeError(error).replace(/\.$/, '')}`, []);
  }
  return result;
}

function fail(result: PackageBuild, step: 'build' | 'test' | 'push', started: number, reason: string, tail: string[]): void {
  result.status = 'failed';
  result.reason = reason;
  result.logTail = tail;
  result.steps.push({ step, status: 'failed', seconds: seconds(started), detail: reason, log: tail.join('\n') });
}

/** Spack's own reason: the first `==> Error:` line and the line that explains it. */
function spackReason(stderr: string): string | undefined {
  const match = /==> Error: ([^\n]+)(?:\n+([^\n]+))?/.exec(stderr);
  if (!match) return undefined;
  const first = match[1]!.trim();
  const second = match[2]?.trim();
  // "TestFailure: 1 test failed." is followed by the assertion's own message.
  return second && /^\w+(Failure|Error): \d+ tests? failed\.?$/.test(first) && !second.startsWith('/') ? `${first} ${second}` : first.replace(/\.$/, '');
}

async function logTail(file: string | undefined, fallback: string): Promise<string[]> {
  const text = file ? await readFile(file, 'utf8').catch(() => undefined) : undefined;
  return tail(text ?? fallback);
}

function tail(text: string): string[] {
  return text.replace(/\s+$/, '').split('\n').slice(-LOG_TAIL_LINES);
}

function count(specs: readonly string[]): string {
  return `${specs.length} spec${specs.length === 1 ? '' : 's'}`;
}

function seconds(started: number): number {
  return Math.round((Date.now() - started) / 100) / 10;
}

/** Per package, one line: built / tested (N passed) / pushed (ref@digest) / failed (why), and the log tail of a failure. */
export function buildSummary(report: RepoBuildReport): string[] {
  if (!report.packages.length) return ['Nothing to build: no package changed.'];
  const lines: string[] = [];
  for (const pkg of report.packages) {
    const parts: string[] = [];
    if (pkg.steps.some((s) => s.step === 'build' && s.status === 'passed')) parts.push(`built ${pkg.version}/${pkg.hash?.slice(0, 7)}`);
    if (pkg.testsPassed !== undefined) parts.push(`tested (${pkg.testsPassed} passed)`);
    if (pkg.pushed) parts.push(`pushed ${pkg.pushed.reference}`);
    if (pkg.cache) parts.push(`${pkg.cache.signed ? 'signed' : 'unsigned'} build cache in ${pkg.cache.dir}`);
    if (pkg.status === 'published') parts.push(`already published as ${pkg.published}`);
    if (pkg.container) parts.push(`container ${pkg.container.reference}`);
    if (pkg.status === 'failed' || pkg.status === 'skipped') parts.push(`${pkg.status} (${pkg.reason})`);
    lines.push(`${pkg.name}${pkg.target ? ` (${pkg.target})` : ''}: ${parts.join(', ')}`);
    if (pkg.fromSource?.length || pkg.fromBuildCache?.length) {
      const names = (specs: readonly string[]) => specs.map((s) => s.slice(0, s.indexOf('@'))).join(', ');
      lines.push(`  Spack built ${count(pkg.fromSource ?? [])} from source${pkg.fromSource?.length ? ` (${names(pkg.fromSource)})` : ''} and took ${count(pkg.fromBuildCache ?? [])} from build caches${pkg.fromBuildCache?.length ? ` (${names(pkg.fromBuildCache)})` : ''}`);
    }
    if (pkg.logTail?.length) lines.push('  last lines of the log:', ...pkg.logTail.map((line) => `    ${line}`));
  }
  if (report.dependencies) lines.push(`Kept ${report.dependencies.specs.length} dependencies Spack built from source (${report.dependencies.specs.join(', ')}) as an unsigned build cache in ${report.dependencies.dir}`);
  return lines;
}
