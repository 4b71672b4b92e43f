import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';

interface ReleaseCommandOptions {
  version?: string;
  githubRepo?: string;
  dryRun?: boolean;
  plainHttp?: boolean;
  json?: boolean;
  repo?: string;
}

export function register(program: Command): void {
  program
    .command('release')
    .description("make (or update) each package's GitHub release from what the registry holds: install command, digest, platforms, SBOMs, publisher key")
    .argument('<packages...>', 'packages of this repository; each is released on its own, and one that fails does not stop the others')
    .option('--version <v>', 'the version to release (one package only; default: the newest version of the recipe in the registry)')
    .option('--github-repo <owner/name>', 'the GitHub repository (default: GITHUB_REPOSITORY, else the origin remote)')
    .option('--dry-run', 'print what would be sent, send nothing')
    .option('--plain-http', 'talk plain HTTP to the registry')
    .option('--json', 'print the results as JSON (one object per package, or a list for several)')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .addHelpText('after', '\nThe API is GITHUB_API_URL (default https://api.github.com); the token is GITHUB_TOKEN or GH_TOKEN (contents: write).')
    .action(async (names: string[], options: ReleaseCommandOptions, command: Command) => {
      const ctx = contextFor(command);
      const [{ openCommunityRepository }, { releasePackages }, { PaksError }] = await Promise.all([import('../repo/config.js'), import('../repo/release.js'), import('../errors.js')]);
      if (options.version && names.length > 1) throw new PaksError('usage', `--version names one version, but ${names.length} packages were given.`, { hint: 'Release one package with --version, or leave --version out.' });
      const repository = await openCommunityRepository(ctx.cwd, options.repo);
      const client = await ctx.client();
      const outcomes = await releasePackages(client, repository, names, { version: options.version, githubRepo: options.githubRepo, dryRun: Boolean(options.dryRun), plainHttp: Boolean(options.plainHttp) });
      const failed = outcomes.filter((o) => o.error);
      if (names.length === 1 && failed.length === 1) throw failed[0]!.error;
      if (options.json) {
        const shown = outcomes.map((o) => (o.report ? { ...o.report, plan: { ...o.report.plan, assets: o.report.plan.assets.map((a) => ({ name: a.name, size: a.data.length })) } } : { package: o.package, error: o.error!.message }));
        ctx.reporter.out(JSON.stringify(names.length === 1 ? shown[0] : shown, null, 2));
      } else {
        for (const outcome of outcomes) {
          const report = outcome.report;
          if (!report) {
            ctx.reporter.out(`${outcome.package}: failed (${outcome.error!.message.replace(/\.$/, '')})`);
            continue;
          }
          const { plan } = report;
          if (options.dryRun) {
            ctx.reporter.out(`Would make release ${plan.tag} ("${plan.title}") for ${plan.reference}`);
            ctx.reporter.out('Body:');
            for (const line of plan.body.split('\n')) ctx.reporter.out(`  ${line}`);
            ctx.reporter.out('Assets:');
            for (const asset of plan.assets) ctx.reporter.out(`  ${asset.name} (${asset.data.length} bytes)`);
            continue;
          }
          ctx.reporter.out(`Release ${plan.tag} ${report.action} on ${report.repository}: ${report.url}`);
          for (const asset of report.assets ?? []) ctx.reporter.out(`  ${asset.name}: ${asset.action}`);
        }
      }
      if (failed.length) {
        throw new PaksError(failed[0]!.error!.kind, `${failed.length} of ${names.length} releases failed: ${failed.map((f) => f.package).join(', ')}.`, { hint: 'Each failure is named above; the other packages were released.' });
      }
    });
}
