// `paks repo init --github`, `paks repo setup` and `paks repo doctor`: options in, library call, lines out.
import type { CommandContext } from '../cli/context.js';
import type { PaksClient } from '../client.js';
import { createGitHubClient, gitHubToken, resolveGitHubRepository, parseRepositoryName } from '../github/index.js';
import { PaksError } from '../errors.js';
import type { InitReport } from '../repo/init.js';
import type { InitFlags } from './repo.js';

const TOKEN_NEEDS = 'a fine-grained token with Administration, Contents, Workflows, Secrets, Variables, Pages and Issues: write on the repository';

function gitHubClient(ctx: CommandContext, purpose: string) {
  const token = gitHubToken(ctx.env);
  const octokit = createGitHubClient({ env: ctx.env, require: { permission: TOKEN_NEEDS, purpose } });
  return { octokit, token: token! };
}

export async function gitHubSetup(ctx: CommandContext, client: PaksClient, options: InitFlags & { dir: string; write: (registry: string | undefined) => Promise<InitReport> }): Promise<void> {
  const { initOnGitHub, setupSummary } = await import('../repo/setup.js');
  const { octokit, token } = gitHubClient(ctx, 'set up the repository on GitHub');
  let repository;
  if (options.githubRepo !== undefined) {
    repository = parseRepositoryName(options.githubRepo);
    if (!repository) throw new PaksError('usage', `--github-repo "${options.githubRepo}" is not OWNER/NAME; give it as, for example, --github-repo octo-org/packages.`);
  }
  const report = await initOnGitHub(client, {
    octokit,
    token,
    repository,
    private: Boolean(options.private),
    key: options.key,
    keyFile: options.keyFile,
    root: options.dir,
    force: Boolean(options.force),
    registry: options.registry,
    writeFiles: (registry) => options.write(registry),
  });
  ctx.reporter.out(`${report.created ? 'Created' : 'Using'} ${report.htmlUrl} (registry ${report.registry}); wrote ${report.files.length} files in ${options.dir}.`);
  for (const line of setupSummary(report.setup)) ctx.reporter.out(line);
  if (report.pushed) ctx.reporter.out(`Pushed ${report.pushed} to ${report.repository}.`);
  ctx.reporter.info('Next: paks repo add NAME --from-spack, then push a branch and merge its pull request.');
  if (!report.setup.ok) process.exitCode = 1;
}

export async function setupClone(ctx: CommandContext, options: { githubRepo?: string; key?: string; keyFile?: string; json?: boolean; repo?: string }): Promise<void> {
  const { openCommunityRepository } = await import('../repo/config.js');
  const { setUpRepository, setupSummary } = await import('../repo/setup.js');
  const community = await openCommunityRepository(ctx.cwd, options.repo);
  const { owner, repo } = await resolveGitHubRepository({ flag: options.githubRepo, env: ctx.env, cwd: community.root });
  const repository = { owner, repo };
  const { octokit } = gitHubClient(ctx, `set up ${repository.owner}/${repository.repo}`);
  const report = await setUpRepository(await ctx.client(), { octokit, repository, root: community.root, key: options.key, keyFile: options.keyFile });
  if (options.json) ctx.reporter.out(JSON.stringify(report, null, 2));
  else for (const line of setupSummary(report)) ctx.reporter.out(line);
  if (report.keyCommit) ctx.reporter.info('Push that commit (in a pull request) so the workflows and the catalogue publish the key.');
  if (!report.ok) process.exitCode = 1;
}

export async function doctorClone(ctx: CommandContext, options: { githubRepo?: string; json?: boolean; repo?: string }): Promise<void> {
  const { openCommunityRepository } = await import('../repo/config.js');
  const { diagnoseRepository, doctorSummary } = await import('../repo/doctor.js');
  const community = await openCommunityRepository(ctx.cwd, options.repo);
  const { owner, repo } = await resolveGitHubRepository({ flag: options.githubRepo, env: ctx.env, cwd: community.root });
  const repository = { owner, repo };
  const octokit = createGitHubClient({ env: ctx.env });
  const client = await ctx.client();
  const report = await diagnoseRepository(community, { octokit, repository, spackVersion: client.values.spack_version, env: ctx.env });
  if (options.json) ctx.reporter.out(JSON.stringify(report, null, 2));
  else for (const line of doctorSummary(report)) ctx.reporter.out(line);
  if (!report.ok) process.exitCode = 1;
}
