// Runs the build.yml that `paks repo init` writes, step by step as GitHub Actions would
// (test/helpers/workflow.ts), against the Spack stand-in, a real registry and git remotes.
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runWorkflow, type WorkflowRun } from '../helpers/workflow.js';
import { exec, World, type Machine } from './world.js';

const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
const FIX = fileURLToPath(new URL('../fixtures/spack/', import.meta.url));
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 'Maintainer', GIT_AUTHOR_EMAIL: 'm@example.com', GIT_COMMITTER_NAME: 'Maintainer', GIT_COMMITTER_EMAIL: 'm@example.com' };
const git = async (cwd: string, ...args: string[]) => (await exec('git', args, { cwd, env: gitEnv })).stdout.trim();

async function tags(registry: TestRegistry, repo: string): Promise<string[]> {
  const response = await fetch(`${registry.url}/v2/${repo}/tags/list`);
  if (response.status === 404) return [];
  return ((await response.json()) as { tags: string[] | null }).tags ?? [];
}

describe('the generated build.yml, run locally step by step', () => {
  let world: World;
  let registry: TestRegistry;
  let maintainer: Machine;
  let repo: string;
  let remote: string;
  let signingKey: string;
  let runners = 0;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    maintainer = await world.machine('maintainer');
    const created = await maintainer.paks(['key', 'create']);
    assert.equal(created.exitCode, 0, created.stderr);
    const fingerprint = created.stdout.trim();
    // The secret key a maintainer stores as the PAKS_SIGNING_KEY repository secret.
    signingKey = (await exec('gpg', ['--homedir', join(maintainer.spackRoot, 'opt', 'spack', 'gpg'), '--batch', '--armor', '--export-secret-keys', fingerprint])).stdout;
    repo = join(world.dir, 'community');
    const init = await maintainer.paks(['repo', 'init', repo, '--registry', `${registry.host}/community`, '--platform', 'ubuntu-24.04']);
    assert.equal(init.exitCode, 0, init.stderr);
    await mkdir(join(repo, 'keys'));
    assert.equal((await maintainer.paks(['key', 'export', join(repo, 'keys', 'publisher.asc')])).exitCode, 0);
    for (const name of ['hello-paks', 'greet-paks']) assert.equal((await maintainer.paks(['repo', 'add', name, '--from-spack', '--repo', repo])).exitCode, 0);
    const recorded = await readFile(join(FIX, 'transcripts', '99-cat-greet-paks-with-tests.txt'), 'utf8');
    await appendFile(join(repo, 'packages', 'greet-paks', 'package.py'), `\n${recorded.slice(recorded.indexOf('    # build-time test'), recorded.indexOf('### stderr'))}`);
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'two packages');
    remote = join(world.dir, 'remote.git');
    await exec('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    await git(repo, 'remote', 'add', 'origin', remote);
    await git(repo, 'push', '-q', 'origin', 'main');
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  async function run(github: Record<string, unknown>, sha: string): Promise<WorkflowRun> {
    return runWorkflow({
      file: join(repo, '.github', 'workflows', 'build.yml'),
      remote,
      sha,
      github: { repository: 'example/community', actor: 'maintainer', sha, ...github },
      secrets: { PAKS_SIGNING_KEY: signingKey, GITHUB_TOKEN: 'ghs_local' },
      dir: world.dir,
      // Each job is a fresh runner: its own HOME, Spack and keyring.
      machine: async (job) => {
        const m = await world.machine(`runner-${++runners}-${job}`);
        const npmPrefix = join(m.home, 'npm-global');
        const { PAKS_USERNAME: _name, PAKS_EMAIL: _email, ...env } = m.env;
        return { home: m.home, env: { ...env, npm_config_prefix: npmPrefix, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', PATH: `${join(npmPrefix, 'bin')}:${env.PATH}` } };
      },
      // The pinned `paks@<version>` line installs this checkout instead.
      envOverrides: { PAKS_PACKAGE: CHECKOUT },
    });
  }

  test('a pull request builds and tests the changed package and its dependent, pushes nothing', async () => {
    const base = await git(repo, 'rev-parse', 'main');
    await git(repo, 'checkout', '-qb', 'bump-hello');
    await appendFile(join(repo, 'packages', 'hello-paks', 'package.py'), '    # maintained by the community\n');
    await git(repo, 'commit', '-qam', 'hello-paks: maintained here');
    await git(repo, 'push', '-q', 'origin', 'bump-hello');
    const head = await git(repo, 'rev-parse', 'HEAD');
    const result = await run({ event_name: 'pull_request', ref: 'refs/pull/1/merge', event: { pull_request: { base: { sha: base } }, repository: { default_branch: 'main' } } }, head);
    assert.equal(result.jobs.plan!.result, 'success', result.log());
    assert.equal(result.jobs.plan!.outputs.stages, '2');
    assert.equal(result.jobs['stage-0']!.result, 'success', result.log());
    assert.equal(result.jobs['stage-1']!.result, 'success', result.log());
    assert.equal(result.jobs['stage-2']!.result, 'skipped');
    assert.equal(result.jobs.release!.result, 'skipped');
    assert.ok(result.steps.some((s) => s.job === 'stage-1' && /greet-paks: built 1\.0\.0\/\w+, tested \(1 passed\)/.test(s.output)), result.log());
    assert.ok(!result.steps.some((s) => s.step === 'Import the signing key'), 'a pull request never sees the signing key');
    assert.deepEqual(await tags(registry, 'community/hello-paks'), []);
  });

  test('the merge to main builds in stages, stage 1 takes hello-paks from the registry, and pushes both', async () => {
    const before = await git(repo, 'rev-parse', 'main');
    await git(repo, 'checkout', '-q', 'main');
    await git(repo, 'merge', '-q', '--ff-only', 'bump-hello');
    await git(repo, 'push', '-q', 'origin', 'main');
    const sha = await git(repo, 'rev-parse', 'HEAD');
    const result = await run({ event_name: 'push', ref: 'refs/heads/main', event: { before, repository: { default_branch: 'main' } } }, sha);
    assert.equal(result.jobs['stage-0']!.result, 'success', result.log());
    assert.equal(result.jobs['stage-1']!.result, 'success', result.log());
    const stage1 = result.steps.filter((s) => s.job === 'stage-1').map((s) => s.output).join('\n');
    assert.match(stage1, /Took hello-paks@1\.1\.0 from 127\.0\.0\.1:\d+\/community\/hello-paks/);
    assert.match(stage1, /greet-paks: built 1\.0\.0\/\w+, tested \(1 passed\), pushed /);
    assert.ok((await tags(registry, 'community/hello-paks')).includes('1.1.0'));
    assert.ok((await tags(registry, 'community/greet-paks')).includes('1.0.0'));
  });
});
