import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check which Spack Paks uses, its version, Node, the system tools Paks uses, and a compiler')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { diagnose } = await import('../doctor/diagnose.js');
      const checks = await diagnose(client);
      if (options.json) ctx.reporter.out(JSON.stringify(checks, null, 2));
      else for (const check of checks) ctx.reporter.out(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(8)} ${check.detail}`);
      if (checks.some((check) => !check.ok && check.required)) process.exitCode = 1;
    });
}
