import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';
import { PaksError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('uninstall')
    .alias('remove')
    .description('uninstall packages (refuses while other packages need them)')
    .argument('<specs...>', 'specs or /hashes to remove')
    .option('--dependents', 'also remove the packages that depend on them')
    .option('-a, --all', 'remove every package a spec matches')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (specs: string[], options: { dependents?: boolean; all?: boolean; yes?: boolean }, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const plan = await client.planUninstall(specs, options);
      const { shortSpec } = await import('../spack/installed.js');
      const names = [...plan.dependents, ...plan.targets].map(shortSpec);
      if (!options.yes) {
        if (!process.stdin.isTTY) {
          throw new PaksError('usage', `Not uninstalling ${names.join(', ')} without confirmation.`, { hint: 'Pass --yes to confirm when there is no terminal.' });
        }
        const { confirm } = await import('../ui/prompt.js');
        if (!(await confirm(`Uninstall ${names.join(', ')}?`))) {
          ctx.reporter.info('Nothing was uninstalled.');
          process.exitCode = 1;
          return;
        }
      }
      const removed = await client.uninstall(plan);
      for (const line of removed.length ? removed : names) ctx.reporter.out(`Uninstalled ${line}`);
    });
}
