import type { Command } from 'commander';
import { Option } from 'commander';
import { contextFor } from '../cli/context.js';
import { PaksError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('sbom')
    .description('print the SBOM of an installed spec (CycloneDX 1.6 or SPDX 2.3 JSON)')
    .argument('<spec>', 'an installed spec (name, name@version or /hash)')
    .addOption(new Option('--format <format>', 'SBOM format').choices(['cyclonedx', 'spdx']).default('cyclonedx'))
    .action(async (spec: string, options: { format: 'cyclonedx' | 'spdx' }, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const matches = await client.list([spec], { prefixes: false });
      if (matches.length === 0) throw new PaksError('not-found', `${spec} is not installed.`, { hint: 'See what is: paks list' });
      if (matches.length > 1) {
        throw new PaksError('usage', `${spec} matches ${matches.length} installed specs: ${matches.map((m) => `${m.name}@${m.version}/${m.hash.slice(0, 7)}`).join(', ')}.`, {
          hint: 'Name one by version or /hash.',
        });
      }
      const { installedSpecDocument, packageInfoFromSpack, sbomsFor } = await import('../sbom/generate.js');
      const spack = await client.spack();
      const document = await installedSpecDocument(spack, matches[0]!.hash);
      const pair = sbomsFor(document, await packageInfoFromSpack(spack, document.spec.nodes), new Date());
      ctx.reporter.out(JSON.stringify(options.format === 'spdx' ? pair.spdx : pair.cyclonedx, null, 2));
    });
}
