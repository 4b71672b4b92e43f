import type { Command } from 'commander';
import { collect, contextFor } from '../cli/context.js';

export interface InstallCommandOptions {
  registry?: string[];
  tag?: string;
  cache?: boolean;
  cacheOnly?: boolean;
  verify?: boolean;
  plainHttp?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('install')
    .description('install packages: a verified binary from the trusted registries when one exists, else a source build')
    .argument('<spec-or-repo...>', 'specs (zlib, zlib@1.3.1), optionally after a package repository (./repo, github.com/org/repo)')
    .option('--registry <registry>', 'look in this registry first (repeatable)', collect)
    .option('--tag <tag>', 'artifact tag to install (default: the version asked for, else default_tag)')
    .option('--no-cache', 'build from source without looking in registries')
    .option('--cache-only', 'fail instead of building from source when no binary is found')
    .option('--no-verify', 'install binaries even without a trusted signature (unsafe)')
    .option('--plain-http', 'talk to registries over plain HTTP')
    .option('--json', 'print the install report as JSON')
    .addHelpText('after', '\nExamples:\n  paks install zlib\n  paks install zlib@1.3.1 --registry ghcr.io/myorg\n  paks install ./my-repo hello\n  paks install github.com/pakages/pakages zlib')
    .action(async (args: string[], options: InstallCommandOptions, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const report = await client.install(args, {
        registries: options.registry ?? [],
        tag: options.tag,
        noCache: options.cache === false,
        cacheOnly: Boolean(options.cacheOnly),
        verify: options.verify !== false,
        plainHttp: Boolean(options.plainHttp),
      });
      if (options.json) {
        ctx.reporter.out(JSON.stringify(report.roots, null, 2));
        return;
      }
      for (const root of report.roots) {
        ctx.reporter.out(`[+] ${root.prefix}`);
        if (root.origin.kind === 'installed') {
          ctx.reporter.info(`    ${root.name}@${root.version}: already installed`);
          continue;
        }
        const origin = root.origin.kind === 'binary' ? `${root.origin.verified ? 'verified ' : ''}binary from ${root.origin.registry}@${root.origin.digest.slice(0, 19)}` : 'built from source';
        ctx.reporter.info(`    ${root.name}@${root.version}: ${origin} in ${root.seconds.toFixed(1)}s${root.sbom ? `; SBOM ${root.sbom}` : ''}`);
      }
    });
}
