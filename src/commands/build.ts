import type { Command } from 'commander';
import { collect, contextFor } from '../cli/context.js';

interface BuildCommandOptions {
  cacheDir?: string;
  key?: string;
  unsigned?: boolean;
  push?: string;
  pushd?: boolean;
  tag?: string[];
  cleanup?: boolean;
  force?: boolean;
  plainHttp?: boolean;
  json?: boolean;
  baseImage?: string;
  entrypoint?: string;
  target?: string;
}

export function register(program: Command): void {
  program
    .command('build')
    .description('build with Spack, make a signed build cache with SBOMs, and optionally push it to a registry')
    .argument('<spec-or-repo...>', 'specs, optionally after a package repository (./repo, github.com/org/repo)')
    .option('--cache-dir <dir>', 'write the build cache here (default: a temporary folder)')
    .option('--key <fingerprint>', 'sign with this key (default: signing_key, else the only key)')
    .option('--unsigned', 'do not sign the build cache')
    .option('--push <ref>', 'push the cache to this repository, e.g. ghcr.io/org/zlib')
    .option('--pushd', 'push each package to trusted_packages_registry/<name>')
    .option('--tag <tag>', 'also move this tag to the platform index (repeatable)', collect)
    .option('--no-cleanup', 'keep a temporary cache after pushing it')
    .option('-f, --force', 'overwrite existing cache entries; allow removing --cache-dir after a push')
    .option('--plain-http', 'talk to the registry over plain HTTP')
    .option('--base-image <ref>', 'also push a runnable image on this base to <push repository>/container')
    .option('--entrypoint <program>', 'with --base-image: start this program instead of a shell')
    .option('--target <family>', 'build for this CPU family, e.g. x86_64_v3 (default: build_target, auto = x86_64_v2 / aarch64; host = this CPU)')
    .option('--json', 'print the build report as JSON')
    .addHelpText('after', '\nExamples:\n  paks build zlib --cache-dir ./cache\n  paks build zlib --push ghcr.io/myorg/zlib\n  paks build ./my-repo hello --pushd')
    .action(async (args: string[], options: BuildCommandOptions, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { buildSpecs } = await import('../build/build.js');
      const report = await buildSpecs(client, args, {
        cacheDir: options.cacheDir,
        key: options.key,
        unsigned: Boolean(options.unsigned),
        push: options.push,
        pushd: Boolean(options.pushd),
        tags: options.tag ?? [],
        cleanup: options.cleanup !== false,
        force: Boolean(options.force),
        plainHttp: Boolean(options.plainHttp),
        baseImage: options.baseImage,
        entrypoint: options.entrypoint,
        target: options.target,
      });
      if (options.json) {
        ctx.reporter.out(JSON.stringify(report.caches, null, 2));
        return;
      }
      for (const cache of report.caches) {
        if (!cache.removed) ctx.reporter.out(`Build cache: ${cache.dir}`);
        if (cache.published) {
          ctx.reporter.out(`Pushed ${cache.published.reference}`);
          ctx.reporter.info(`  tags: ${[cache.published.buildTag, ...cache.published.indexTags].join(', ')}`);
        }
        if (cache.container) ctx.reporter.out(`Pushed container ${cache.container.reference}`);
      }
    });
}
