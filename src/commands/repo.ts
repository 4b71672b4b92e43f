import { InvalidArgumentError, type Command } from 'commander';
import { collect, contextFor, positiveInteger } from '../cli/context.js';

export function register(program: Command): void {
  const repo = program
    .command('repo')
    .description('a community package repository: create it, add recipes, see what changed, build and test');

  repo
    .command('init')
    .description('create a package repository with paks.yaml, a GitHub Actions workflow and a README')
    .argument('<dir>', 'folder to create it in (empty, or a fresh clone)')
    .option('--namespace <ns>', 'Spack namespace (default: from the folder name)')
    .option('--registry <reg>', 'where packages are pushed, e.g. ghcr.io/org/repo (default from a GitHub origin)')
    .option('--platform <os>', 'runner image to build on (repeatable; default ubuntu-22.04 and ubuntu-24.04)', collect)
    .option('-f, --force', 'write into a folder that is not empty, replacing files of the same name')
    .option('--github', 'also set it up on GitHub (GITHUB_TOKEN or GH_TOKEN): create the repository, key, secret, Pages, labels, then push')
    .option('--github-repo <owner/name>', 'with --github: the repository (default: your user and the folder name)')
    .option('--private', 'with --github: create the repository private')
    .option('--key <fingerprint>', 'with --github: the signing key in Spack\'s keyring to publish with')
    .option('--key-file <file>', 'with --github: import this armored secret key and publish with it')
    .action(async (dir: string, options: InitFlags, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { initRepository } = await import('../repo/init.js');
      const { resolve } = await import('node:path');
      const write = (registry: string | undefined) =>
        initRepository(resolve(ctx.cwd, dir), {
          namespace: options.namespace,
          registry,
          platforms: options.platform,
          force: Boolean(options.force),
          spackVersion: client.values.spack_version,
          env: ctx.env,
        });
      if (options.github) {
        const { gitHubSetup } = await import('./repo-setup.js');
        await gitHubSetup(ctx, client, { ...options, dir: resolve(ctx.cwd, dir), write });
        return;
      }
      const report = await write(options.registry);
      ctx.reporter.out(`Created a package repository in ${report.root} (namespace ${report.namespace}, registry ${report.registry}):`);
      for (const file of report.created) ctx.reporter.out(`  ${file}`);
      if (report.gitInitialized) ctx.reporter.out('  and initialized git (branch main)');
      ctx.reporter.info(`Next: cd ${dir} && paks repo add NAME --from-spack, then see README.md for the secrets to set.`);
    });

  registerBuildAndAdd(repo);
  registerSetupAndDoctor(repo);

  repo
    .command('upgrade')
    .description("rewrite the repository's workflows from this Paks (paks.yaml, the README and the recipes stay); shows the diff")
    .option('--dry-run', 'show the diff, write nothing')
    .option('-f, --force', 'also rewrite a workflow someone changed since Paks wrote it')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .action(async (options: { dryRun?: boolean; force?: boolean; repo?: string }, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { openCommunityRepository } = await import('../repo/config.js');
      const { upgradeRepository } = await import('../repo/upgrade.js');
      const repository = await openCommunityRepository(ctx.cwd, options.repo);
      const files = await upgradeRepository(repository, { spackVersion: client.values.spack_version, force: Boolean(options.force), dryRun: Boolean(options.dryRun), env: ctx.env });
      for (const file of files) if (file.diff) ctx.reporter.out(file.diff.replace(/\n$/, ''));
      for (const file of files) {
        const done = options.dryRun && (file.status === 'created' || file.status === 'updated') ? `would be ${file.status}` : file.status;
        ctx.reporter.info(`${file.target}: ${file.status === 'kept' ? `kept, not rewritten: ${file.reason} (see the diff; --force replaces it)` : done}`);
      }
      if (files.some((f) => f.status === 'kept')) process.exitCode = 1;
    });

  repo
    .command('changed')
    .description('the packages whose recipes changed, plus the packages here that depend on them')
    .option('--since <ref>', 'compare with this commit (default: the merge base with the default branch; "" for every package)')
    .option('--matrix', 'print a GitHub Actions matrix: {"include":[{"package","platform","stage"}]}')
    .option('--stage <n>', 'with --matrix: only this stage', stageNumber)
    .option('--stages <n>', 'with --github-output: the workflow has this many stage jobs', positiveInteger)
    .option('--github-output <file>', 'append stages=N and stage-<i>=<matrix> to this file (GITHUB_OUTPUT)')
    .option('--json', 'print the packages with reason, stage and dependencies as JSON')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .action(async (options: { since?: string; matrix?: boolean; stage?: number; stages?: number; githubOutput?: string; json?: boolean; repo?: string }, command: Command) => {
      const ctx = contextFor(command);
      const { openCommunityRepository } = await import('../repo/config.js');
      const { changedPackages, matrixOf, stageOutputs } = await import('../repo/changed.js');
      const repository = await openCommunityRepository(ctx.cwd, options.repo);
      const report = await changedPackages(repository, { since: options.since, env: ctx.env });
      ctx.reporter.info(`${report.packages.length} package${report.packages.length === 1 ? '' : 's'} to build${report.since ? ` (changed since ${report.since.slice(0, 12)})` : ''}${report.stages > 1 ? ` in ${report.stages} stages` : ''}.`);
      if (options.githubOutput) {
        const { appendFile } = await import('node:fs/promises');
        const outputs = stageOutputs(report, options.stages ?? 4);
        await appendFile(options.githubOutput, Object.entries(outputs).map(([k, v]) => `${k}=${v}\n`).join(''));
      }
      if (options.matrix) ctx.reporter.out(JSON.stringify(matrixOf(report, options.stage)));
      else if (options.json) ctx.reporter.out(JSON.stringify(report, null, 2));
      else if (!options.githubOutput) for (const pkg of report.packages) ctx.reporter.out(pkg.name);
    });
}

function registerBuildAndAdd(repo: Command): void {
  repo
    .command('add')
    .description("add a recipe: Spack's own (with its patches) or a new one for a tarball")
    .argument('<name>', 'package name')
    .option('--from-spack', 'copy the recipe from the Spack that Paks uses')
    .option('--url <url>', 'create a new recipe for this tarball (spack create)')
    .option('-f, --force', 'replace a recipe of the same name')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .action(async (name: string, options: { fromSpack?: boolean; url?: string; force?: boolean; repo?: string }, command: Command) => {
      const ctx = contextFor(command);
      const { openCommunityRepository } = await import('../repo/config.js');
      const { addPackage } = await import('../repo/add.js');
      const { relative } = await import('node:path');
      const repository = await openCommunityRepository(ctx.cwd, options.repo);
      const report = await addPackage(await ctx.client(), repository, name, { fromSpack: Boolean(options.fromSpack), url: options.url, force: Boolean(options.force) });
      ctx.reporter.out(`Added ${name} from ${report.source}:`);
      for (const file of report.files) ctx.reporter.out(`  ${relative(repository.root, file)}`);
      ctx.reporter.info(`Next: paks repo build ${name}`);
    });

  repo
    .command('build')
    .description('build and test packages of the repository; with --push sign and push each one')
    .argument('[packages...]', 'packages to build (default: the ones changed since --changed-since)')
    .option('--changed-since <ref>', 'build the packages changed since this commit (default: the merge base with the default branch)')
    .option('--tests <level>', "Spack's build-time tests: root, all or none (default from paks.yaml)")
    .option('--push', 'sign and push each package that passed to <registry>/<package>')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--keep-going', 'go on with the other packages after a failure')
    .option('--key <fingerprint>', 'sign with this key')
    .option('--plain-http', 'talk plain HTTP to the registry')
    .option('--target <family>', "build for this CPU family only (default: paks.yaml's targets, else build_target)")
    .option('--output <dir>', 'write each tested build as a build cache in DIR/<name>-<version>-<hash7>/')
    .option('--unsigned', 'with --output: leave the build caches unsigned (a CI build job holds no key)')
    .option('--missing-from <registry>', 'skip a package whose exact build this registry already holds')
    .option('--mirror <dir>', 'take builds from the unsigned build caches in DIR first (earlier stages of a run; repeatable)', collect)
    .option('--build-cache', "take dependencies from the repository's Spack build cache (paks.yaml build_cache) when it holds them")
    .option('--dependency-output <dir>', 'write what Spack built from source that is not a package here (dependencies, build tools) as one unsigned build cache in DIR')
    .option('--github-output <file>', 'append digest=<sha256 of the one cache in --output>, dependency-digest=<same for --dependency-output> and failed=<names> to this file (GITHUB_OUTPUT)')
    .option('--json', 'print the report as JSON')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .action(async (packages: string[], options: { changedSince?: string; tests?: string; push?: boolean; junit?: string; keepGoing?: boolean; key?: string; plainHttp?: boolean; output?: string; unsigned?: boolean; missingFrom?: string; mirror?: string[]; buildCache?: boolean; dependencyOutput?: string; githubOutput?: string; json?: boolean; repo?: string; target?: string }, command: Command) => {
      const ctx = contextFor(command);
      const { openCommunityRepository, TEST_LEVELS } = await import('../repo/config.js');
      if (options.tests && !(TEST_LEVELS as readonly string[]).includes(options.tests)) throw new InvalidArgumentError(`--tests must be root, all or none, not '${options.tests}'.`);
      const { buildRepository, buildSummary } = await import('../repo/build.js');
      const { resolve } = await import('node:path');
      const repository = await openCommunityRepository(ctx.cwd, options.repo);
      const report = await buildRepository(await ctx.client(), repository, {
        packages,
        changedSince: options.changedSince,
        tests: options.tests as 'root' | 'all' | 'none' | undefined,
        push: Boolean(options.push),
        junit: options.junit ? resolve(ctx.cwd, options.junit) : undefined,
        keepGoing: Boolean(options.keepGoing),
        plainHttp: Boolean(options.plainHttp),
        key: options.key,
        target: options.target,
        output: options.output ? resolve(ctx.cwd, options.output) : undefined,
        unsigned: Boolean(options.unsigned),
        missingFrom: options.missingFrom,
        mirrors: (options.mirror ?? []).map((m) => resolve(ctx.cwd, m)),
        buildCache: Boolean(options.buildCache),
        dependencyOutput: options.dependencyOutput ? resolve(ctx.cwd, options.dependencyOutput) : undefined,
      });
      if (options.githubOutput) {
        const { appendFile } = await import('node:fs/promises');
        const failed = report.packages.filter((p) => p.status === 'failed' || p.status === 'skipped').map((p) => p.name);
        // One package per CI job: the digest of its cache (hex, as artifact names allow), for paks sign --expect-digest.
        const one = (digests: string[]) => (digests.length === 1 ? digests[0]!.replace(/^sha256:/, '') : '');
        const caches = report.packages.flatMap((p) => (p.cache ? [p.cache.digest] : []));
        const dependencies = report.dependencies ? [report.dependencies.digest] : [];
        await appendFile(resolve(ctx.cwd, options.githubOutput), `digest=${one(caches)}\ndependency-digest=${one(dependencies)}\nfailed=${failed.join(' ')}\n`);
      }
      if (options.json) ctx.reporter.out(JSON.stringify(report, null, 2));
      else for (const line of buildSummary(report)) ctx.reporter.out(line);
      if (!report.ok) process.exitCode = 1;
    });

  repo
    .command('publish')
    .description('push signed build caches (paks repo build --output, then paks sign) to <registry>/<package>')
    .argument('<dirs...>', 'folders holding the build caches')
    .option('--build-cache', "push caches of dependencies (paks repo build --dependency-output) to the repository's Spack build cache instead")
    .option('--plain-http', 'talk plain HTTP to the registry')
    .option('--json', 'print the report as JSON')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .action(async (dirs: string[], options: { buildCache?: boolean; plainHttp?: boolean; json?: boolean; repo?: string }, command: Command) => {
      const ctx = contextFor(command);
      const { openCommunityRepository } = await import('../repo/config.js');
      const { publishBuildOutputs, publishToBuildCache, publishSummary } = await import('../repo/publish.js');
      const repository = await openCommunityRepository(ctx.cwd, options.repo);
      const publish = options.buildCache ? publishToBuildCache : publishBuildOutputs;
      const report = await publish(await ctx.client(), repository, dirs, { plainHttp: Boolean(options.plainHttp) });
      if (options.json) ctx.reporter.out(JSON.stringify(report, null, 2));
      else for (const line of publishSummary(report)) ctx.reporter.out(line);
      if (!report.ok) process.exitCode = 1;
    });
}

export interface InitFlags {
  namespace?: string;
  registry?: string;
  platform?: string[];
  force?: boolean;
  github?: boolean;
  githubRepo?: string;
  private?: boolean;
  key?: string;
  keyFile?: string;
}

function registerSetupAndDoctor(repo: Command): void {
  repo
    .command('setup')
    .description('set up GitHub for this clone (GITHUB_TOKEN or GH_TOKEN): key, secret, Pages, workflow token, labels; a second run changes nothing')
    .option('--github-repo <owner/name>', 'the repository (default: GITHUB_REPOSITORY, else the origin remote)')
    .option('--key <fingerprint>', "the signing key in Spack's keyring to publish with")
    .option('--key-file <file>', 'import this armored secret key and publish with it')
    .option('--json', 'print the report as JSON')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .action(async (options: { githubRepo?: string; key?: string; keyFile?: string; json?: boolean; repo?: string }, command: Command) => {
      const ctx = contextFor(command);
      const { setupClone } = await import('./repo-setup.js');
      await setupClone(ctx, options);
    });

  repo
    .command('doctor')
    .description('what this repository still lacks to publish and serve, each with its fix')
    .option('--github-repo <owner/name>', 'the repository (default: GITHUB_REPOSITORY, else the origin remote)')
    .option('--json', 'print the findings as JSON')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .action(async (options: { githubRepo?: string; json?: boolean; repo?: string }, command: Command) => {
      const ctx = contextFor(command);
      const { doctorClone } = await import('./repo-setup.js');
      await doctorClone(ctx, options);
    });
}

function stageNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a stage number (0, 1, …).`);
  return n;
}
