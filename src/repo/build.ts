import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { spackInstall, prefixForRoot } from '../spack/install.js';
import { withTemporaryScope } from '../spack/scope.js';
import { buildScope } from '../build/scope.js';
import { removeStaleBuilds } from '../build/tree.js';
import { HOST_TARGET } from '../build/target.js';
import { spackTestRun, standaloneTestMethods } from '../spack/test.js';
import type { SpackRunner } from '../spack/runner.js';
import { packageSettings, type CommunityRepository, type TestLevel } from './config.js';
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
}

export type StepStatus = 'passed' | 'failed' | 'skipped';

export interface PackageBuild {
  name: string;
  status: 'built' | 'failed' | 'skipped';
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
  /** Why it failed or was skipped, in one sentence. */
  reason?: string;
  /** The last lines of Spack's build or test log. */
  logTail?: string[];
}

export interface RepoBuildReport {
  packages: PackageBuild[];
  ok: boolean;
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
  if (options.push) {
    // Before any long build: is there a key to sign with?
    const { usableSigningKey } = await import('../signing/keys.js');
    await usableSigningKey(client, options.key);
  }
  const spack = await client.spack();
  // Every package's target families, checked against this host before anything is built.
  const targets = await targetsOfPackages(client, spack, repo, names, options.target);
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
      const result = await buildOne(client, spack, repo, spackRepo.root, recipes, name, target, options);
      results.push(result);
      if (result.status === 'failed') {
        failed.add(name);
        if (!options.keepGoing) stop = true;
      }
    }
  }
  const report = { packages: results, ok: results.every((r) => r.status === 'built') };
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

async function buildOne(client: PaksClient, spack: SpackRunner, repo: CommunityRepository, spackRoot: string, recipes: Map<string, RepoPackage>, name: string, target: string | undefined, options: RepoBuildOptions): Promise<PackageBuild> {
  const result: PackageBuild = { name, status: 'built', ...(target ? { target } : {}), steps: [] };
  const level = options.tests ?? packageSettings(repo.config, name).tests;
  client.reporter.info(`Building ${name}${target ? ` for ${target}` : ''}${level === 'none' ? '' : ` with ${level === 'all' ? 'all' : "its own"} build-time tests`}`);
  await prefetchDependencies(client, repo, recipes, name, options);

  // The same padded install tree as `paks build`, which then pushes exactly this build.
  await withTemporaryScope(buildScope({ paddedLength: client.values.build_padded_length, repos: [spackRoot], dialect: await spack.dialect(), target }), async (scope) => {
    const runner = scope ? spack.withScope(scope.dir) : spack;
    if (client.values.build_padded_length > 0) await removeStaleBuilds(client, runner);
    // 1. Build from source with Spack's build-time tests.
    let started = Date.now();
    // Fresh roots: the recipe as it is now, not an earlier build of it that Spack would reuse.
    const installed = await spackInstall(runner, [name], { ...(level === 'none' ? {} : { tests: level }), freshRoots: true, allowFailure: true });
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
  if (result.status === 'failed' || !options.push) return result;

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
async function prefetchDependencies(client: PaksClient, repo: CommunityRepository, recipes: Map<string, RepoPackage>, name: string, options: RepoBuildOptions): Promise<void> {
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
    if (pkg.container) parts.push(`container ${pkg.container.reference}`);
    if (pkg.status !== 'built') parts.push(`${pkg.status} (${pkg.reason})`);
    lines.push(`${pkg.name}${pkg.target ? ` (${pkg.target})` : ''}: ${parts.join(', ')}`);
    if (pkg.logTail?.length) lines.push('  last lines of the log:', ...pkg.logTail.map((line) => `    ${line}`));
  }
  return lines;
}
