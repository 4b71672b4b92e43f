import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';

export function register(program: Command): void {
  program
    .command('shell')
    .description('an interactive Node shell with the Paks client loaded (client, spack(...))')
    .option('--spack', "open Spack's own Python shell (spack python) instead")
    .action(async (options: { spack?: boolean }, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { openShell, openSpackPython } = await import('../shell/repl.js');
      process.exitCode = options.spack ? await openSpackPython(client) : await openShell(client);
    });
}
