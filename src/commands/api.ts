import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';

interface BuildOptions {
  repo?: string;
  registry?: string;
  baseUrl?: string;
}

export function register(program: Command): void {
  const api = program.command('api').description('the package metadata API and catalogue of a package repository');
  api
    .command('build')
    .description('write the static API (api/v1/…) and catalogue pages into a folder, e.g. for GitHub Pages')
    .argument('<out>', 'folder to write (replaced as a whole when the build succeeds)')
    .option('--repo <dir>', 'the package repository (default: the one around the current folder)')
    .option('--registry <registry>', 'where the binaries are, REGISTRY/NAMESPACE (default: registry in paks.yaml)')
    .option('--base-url <url>', 'absolute URL the site is published at, for links inside the documents')
    .addHelpText('after', '\nExamples:\n  paks api build site\n  paks api build site --repo ./my-repo --registry ghcr.io/org/packages --base-url https://org.github.io/packages/')
    .action(async (out: string, options: BuildOptions, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { buildStaticSite } = await import('../api/publish.js');
      const summary = await buildStaticSite(client, { out, repo: options.repo, registry: options.registry, baseUrl: options.baseUrl });
      ctx.reporter.out(`Wrote ${summary.packages} ${summary.packages === 1 ? 'package' : 'packages'} (${summary.binaries} ${summary.binaries === 1 ? 'binary' : 'binaries'}, ${summary.files} files) to ${out}`);
    });
}
