import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';
import { PaksError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('list installed packages, grouped by architecture and compiler like spack find')
    .argument('[specs...]', 'only packages matching these constraints')
    .option('--json', 'machine-readable output (name, version, hash, arch, compiler, namespace, prefix, dependencies, variants)')
    .option('-l, --long', 'show short hashes')
    .option('-p, --paths', 'show install prefixes')
    .action(async (specs: string[], options: { json?: boolean; long?: boolean; paths?: boolean }, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const installed = await client.list(specs, { prefixes: Boolean(options.json || options.paths) });
      if (options.json) ctx.reporter.out(JSON.stringify(installed, null, 2));
      // Like `spack find`: a query that matches nothing is a failure (JSON still gets its []).
      if (installed.length === 0 && specs.length > 0) {
        throw new PaksError('not-found', `No installed package matches ${specs.join(' ')}.`, { hint: 'See what is installed with: paks list' });
      }
      if (options.json) return;
      const { renderInstalledGroups } = await import('../ui/installed.js');
      for (const line of renderInstalledGroups(installed, options)) ctx.reporter.out(line);
    });
}
