import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';

export function register(program: Command): void {
  program
    .command('bootstrap')
    .description('clone the pinned Spack release (spack_version from spack_git_url; for 1.x also spack-packages) into Paks\' spack/ folder')
    .option('-f, --force', 'replace an existing bootstrapped Spack')
    .action(async (options: { force?: boolean }, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { bootstrapSpack } = await import('../spack/bootstrap.js');
      const { dir } = await bootstrapSpack({
        url: client.values.spack_git_url,
        version: client.values.spack_version,
        packages: { url: client.values.spack_packages_git_url, version: client.values.spack_packages_version },
        force: Boolean(options.force),
        reporter: ctx.reporter,
        env: ctx.env,
      });
      ctx.reporter.out(dir);
    });
}
