import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';

export function register(program: Command): void {
  program
    .command('release')
    .description("make (or update) a package's GitHub release from what the registry holds: install command, digest, platforms, SBOMs, publisher key")
    .argument('<package>', 'a package of this repository')
    .option('--version <v>', 'the version to release (default: the newest version of the recipe in the registry)')
    .option('--github-repo <owner/name>', 'the GitHub repository (default: GITHUB_REPOSITORY, else the origin remote)')
    .option('--dry-run', 'print what would be sent, send nothing')
    .option('--plain-http', 'talk plain HTTP to the registry')
    .option('--json', 'print the result as JSON')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .addHelpText('after', '\nThe API is GITHUB_API_URL (default https://api.github.com); the token is GITHUB_TOKEN or GH_TOKEN (contents: write).')
    .action(async (name: string, options: { version?: string; githubRepo?: string; dryRun?: boolean; plainHttp?: boolean; json?: boolean; repo?: string }, command: Command) => {
      const ctx = contextFor(command);
      const { openCommunityRepository } = await import('../repo/config.js');
      const { releasePackage } = await import('../repo/release.js');
      const repository = await openCommunityRepository(ctx.cwd, options.repo);
      const report = await releasePackage(await ctx.client(), repository, name, { version: options.version, githubRepo: options.githubRepo, dryRun: Boolean(options.dryRun), plainHttp: Boolean(options.plainHttp) });
      const { plan } = report;
      if (options.json) {
        ctx.reporter.out(JSON.stringify({ ...report, plan: { ...plan, assets: plan.assets.map((a) => ({ name: a.name, size: a.data.length })) } }, null, 2));
        return;
      }
      if (options.dryRun) {
        ctx.reporter.out(`Would make release ${plan.tag} ("${plan.title}") for ${plan.reference}`);
        ctx.reporter.out('Body:');
        for (const line of plan.body.split('\n')) ctx.reporter.out(`  ${line}`);
        ctx.reporter.out('Assets:');
        for (const asset of plan.assets) ctx.reporter.out(`  ${asset.name} (${asset.data.length} bytes)`);
        return;
      }
      ctx.reporter.out(`Release ${plan.tag} ${report.action} on ${report.repository}: ${report.url}`);
      for (const asset of report.assets ?? []) ctx.reporter.out(`  ${asset.name}: ${asset.action}`);
    });
}
