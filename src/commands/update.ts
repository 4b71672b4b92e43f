import type { Command } from 'commander';
import { contextFor, positiveInteger } from '../cli/context.js';

interface UpdateFlags {
  repo?: string;
  apply?: boolean;
  pr?: boolean;
  githubRepo?: string;
  maxPrs: number;
  pre?: boolean;
  json?: boolean;
  pypiUrl?: string;
  maxDownloadSize?: number;
  downloadTimeout?: number;
}

export function register(program: Command): void {
  program
    .command('update')
    .description('find new upstream versions of the repository\'s packages; add them (--apply) or open one pull request each (--pr)')
    .argument('[packages...]', 'only these packages (default: all)')
    .option('--repo <dir>', 'the repository (default: the one the current folder is in)')
    .option('--apply', 'add each new version to its package.py with the sha256 of the real tarball')
    .option('--pr', 'per new version: a branch, a commit, a push to origin and a pull request (implies --apply)')
    .option('--github-repo <owner/name>', 'where pull requests go (default: GITHUB_REPOSITORY, else origin)')
    .option('--max-prs <n>', 'at most this many open update pull requests', positiveInteger, 3)
    .option('--pre', 'count pre-releases for every package')
    .option('--json', 'machine-readable output')
    .option('--pypi-url <url>', 'PyPI (or a mirror) to ask, default https://pypi.org or PAKS_PYPI_URL')
    .option('--max-download-size <bytes>', 'refuse tarballs larger than this (default 2 GiB)', positiveInteger)
    .option('--download-timeout <seconds>', 'stop a tarball download that takes longer than this in all (default 1800)', positiveInteger)
    .action(async (packages: string[], flags: UpdateFlags, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { openCommunityRepository } = await import('../repo/config.js');
      const { spackRepositoryAt } = await import('../repo/packages.js');
      const { updatePackages } = await import('../upstream/update.js');
      const { renderUpdateTable, updateJson } = await import('../upstream/render.js');
      const repository = await openCommunityRepository(ctx.cwd, flags.repo);
      const spackRepo = await spackRepositoryAt(repository.root);
      const { createGitHubClient, listReleases, listTags, resolveGitHubRepository } = await import('../github/index.js');
      // Upstream releases are public: a token helps with the rate limit but is not required.
      const reader = createGitHubClient({ env: ctx.env });
      const github = {
        releases: (owner: string, repo: string) => listReleases(reader, { owner, repo }, { includeDrafts: false, limit: 100 }),
        tags: (owner: string, repo: string) => listTags(reader, { owner, repo }, { limit: 100 }),
      };
      let pullRequests;
      if (flags.pr) {
        const target = await resolveGitHubRepository({ flag: flags.githubRepo, env: ctx.env, cwd: repository.root });
        const octokit = createGitHubClient({ env: ctx.env, require: { permission: 'contents: write and pull-requests: write', repository: target, purpose: 'push update branches and open pull requests' } });
        pullRequests = { octokit, repository: { owner: target.owner, repo: target.repo }, maxPrs: flags.maxPrs, env: ctx.env };
      }
      const report = await updatePackages(repository, spackRepo, {
        github,
        pullRequests,
        packages,
        apply: Boolean(flags.apply || flags.pr),
        pre: Boolean(flags.pre),
        spack: await client.spack(),
        pypiUrl: flags.pypiUrl ?? ctx.env.PAKS_PYPI_URL,
        download: { ...(flags.maxDownloadSize ? { maxBytes: flags.maxDownloadSize } : {}), ...(flags.downloadTimeout ? { deadlineMs: flags.downloadTimeout * 1000 } : {}) },
        reporter: ctx.reporter,
      });
      if (flags.json) ctx.reporter.out(JSON.stringify(updateJson(report.packages), null, 2));
      else for (const line of renderUpdateTable(report.packages)) ctx.reporter.out(line);
      if (report.failed) process.exitCode = 1;
    });
}
