// Runs the build.yml that `paks repo init` writes, step by step as GitHub Actions would
// (test/helpers/workflow.ts), against the Spack stand-in, a real registry and git remotes.
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runWorkflow, type WorkflowRun } from '../helpers/workflow.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github/server.js';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { findBuildCaches } from '../../src/repo/build-output.js';
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

/** The builds in a run's `cache@<platform>@<package>@<digest>` artifact: name → hash and its dependencies' hashes. */
async function builtIn(run: WorkflowRun, pkg: string): Promise<{ hash: string; deps: Record<string, string> } | undefined> {
  const name = [...run.artifacts.keys()].find((n) => n.startsWith(`cache@ubuntu-24.04@${pkg}@`));
  if (!name) return undefined;
  const [dir] = await findBuildCaches(run.artifacts.get(name)!);
  const cache = await readBuildCache(dir!);
  const nodes = cache.specs.flatMap((s) => s.document.spec.nodes);
  const root = nodes.find((n) => n.name === pkg)!;
  return { hash: root.hash, deps: Object.fromEntries((root.dependencies ?? []).map((d) => [d.name, d.hash])) };
}

describe('the generated build.yml, run locally step by step', () => {
  let world: World;
  let registry: TestRegistry;
  let maintainer: Machine;
  let repo: string;
  let remote: string;
  let signingKey: string;
  let runners = 0;
  let github: FakeGitHub;
  const published: Record<string, string> = {};

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
    github = await startFakeGitHub({ repos: [{ owner: 'example', name: 'community', gitDir: remote }] });
    // What the default branch already published: both packages, signed.
    const pushed = await maintainer.paks(['repo', 'build', 'hello-paks', 'greet-paks', '--push', '--json', '--repo', repo]);
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    for (const p of JSON.parse(pushed.stdout).packages as Array<{ name: string; hash: string }>) published[p.name] = p.hash;
  });
  after(async () => {
    await github?.stop();
    await registry?.stop();
    await world?.dispose();
  });

  async function run(context: Record<string, unknown>, sha: string, extra: { cancelAt?: string } = {}): Promise<WorkflowRun> {
    return runWorkflow({
      file: join(repo, '.github', 'workflows', 'build.yml'),
      remote,
      sha,
      github: { repository: 'example/community', actor: 'maintainer', sha, token: github.token, ...context },
      secrets: { PAKS_SIGNING_KEY: signingKey, GITHUB_TOKEN: github.token },
      extraEnv: { GITHUB_API_URL: github.apiUrl },
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
      ...extra,
    });
  }
  const output = (result: WorkflowRun, job: string) => result.steps.filter((s) => s.job === job).map((s) => s.output).join('\n');
  const onMain = () => ({ event_name: 'push', ref: 'refs/heads/main', event: { repository: { default_branch: 'main' } } });

  test('a default-branch run whose exact builds are all in the registry builds nothing', async () => {
    const result = await run(onMain(), await git(repo, 'rev-parse', 'main'));
    assert.equal(result.jobs.plan!.outputs.stages, '2', result.log());
    for (const stage of ['stage-0', 'stage-1']) assert.equal(result.jobs[stage]!.result, 'success', result.log());
    assert.match(output(result, 'stage-0'), new RegExp(`hello-paks: already published as [^\\n]*:1\\.1\\.0-${published['hello-paks']!.slice(0, 7)}@sha256:`));
    assert.match(output(result, 'stage-1'), new RegExp(`greet-paks: already published as [^\\n]*:1\\.0\\.0-${published['greet-paks']!.slice(0, 7)}@sha256:`));
    assert.doesNotMatch(output(result, 'stage-0') + output(result, 'stage-1'), /Building (hello|greet)-paks|: built \d/);
    assert.deepEqual([...result.artifacts.keys()].filter((n) => n.startsWith('cache@')), []);
    assert.equal(result.jobs.publish!.result, 'success', result.log());
    assert.equal(result.jobs.release!.result, 'skipped');
    assert.equal(result.jobs.result!.result, 'success', result.log());
  });

  test('a pull request with two stages: the dependent is built and tested against the pull request\'s library', async () => {
    const base = await git(repo, 'rev-parse', 'main');
    await git(repo, 'checkout', '-qb', 'hello-shout');
    await appendFile(join(repo, 'packages', 'hello-paks', 'package.py'), '\n    variant("shout", default=True, description="greet loudly")\n');
    await git(repo, 'commit', '-qam', 'hello-paks: a shout variant');
    await git(repo, 'push', '-q', 'origin', 'hello-shout');
    const head = await git(repo, 'rev-parse', 'HEAD');
    const result = await run({ event_name: 'pull_request', ref: 'refs/pull/1/merge', event: { pull_request: { base: { sha: base } }, repository: { default_branch: 'main' } } }, head);
    assert.equal(result.jobs.plan!.outputs.stages, '2', result.log());
    assert.equal(result.jobs['stage-0']!.result, 'success', result.log());
    assert.equal(result.jobs['stage-1']!.result, 'success', result.log());
    const hello = await builtIn(result, 'hello-paks');
    const greet = await builtIn(result, 'greet-paks');
    assert.ok(hello && greet, result.log());
    assert.notEqual(hello.hash, published['hello-paks'], 'the variant makes a new build of hello-paks');
    // The dependent links the library this pull request built, not the registry's.
    assert.equal(greet.deps['hello-paks'], hello.hash);
    assert.match(output(result, 'stage-1'), /greet-paks: built 1\.0\.0\/\w+, tested \(1 passed\), unsigned build cache in /);
    // No key, nothing pushed, nothing released.
    assert.equal(result.jobs.publish!.result, 'skipped');
    assert.equal(result.jobs.release!.result, 'skipped');
    assert.ok(!result.steps.some((s) => s.step === 'Import the signing key'));
    assert.ok(!(await tags(registry, 'community/hello-paks')).includes(`1.1.0-${hello.hash.slice(0, 7)}`));
    assert.equal(result.jobs.result!.result, 'success', result.log());
  });

  test('a package that fails beside one that passes: the run goes on, ends red and names it', async () => {
    const base = await git(repo, 'rev-parse', 'main');
    await git(repo, 'checkout', '-q', 'hello-shout');
    await git(repo, 'checkout', '-qb', 'greet-broken');
    const recipe = join(repo, 'packages', 'greet-paks', 'package.py');
    await writeFile(recipe, (await readFile(recipe, 'utf8')).replace('assert "build-check" in out', 'assert "no such greeting" in out'));
    await git(repo, 'commit', '-qam', 'greet-paks: a check that fails');
    await git(repo, 'push', '-q', 'origin', 'greet-broken');
    const result = await run({ event_name: 'pull_request', ref: 'refs/pull/2/merge', event: { pull_request: { base: { sha: base } }, repository: { default_branch: 'main' } } }, await git(repo, 'rev-parse', 'HEAD'));
    assert.equal(result.jobs['stage-0']!.result, 'success', result.log());
    assert.ok(await builtIn(result, 'hello-paks'), 'the package that passed has its build cache');
    assert.equal(result.jobs['stage-1']!.result, 'failure');
    assert.equal(await builtIn(result, 'greet-paks'), undefined);
    assert.equal(result.jobs.result!.result, 'failure');
    assert.match(output(result, 'result'), /greet-paks on ubuntu-24\.04 failure/);
    assert.doesNotMatch(output(result, 'result'), /hello-paks on ubuntu-24\.04 failure/);
    await git(repo, 'checkout', '-q', 'main');
  });

  test('a run cancelled after its first stage, then a later push: the later run builds, publishes and releases both', async () => {
    await git(repo, 'merge', '-q', '--ff-only', 'hello-shout');
    await git(repo, 'push', '-q', 'origin', 'main');
    const cancelled = await run(onMain(), await git(repo, 'rev-parse', 'main'), { cancelAt: 'stage-1' });
    assert.equal(cancelled.jobs['stage-0']!.result, 'success', cancelled.log());
    assert.equal(cancelled.jobs['stage-1']!.result, 'cancelled');
    assert.equal(cancelled.jobs.publish!.result, 'cancelled');
    assert.equal(cancelled.jobs.result!.result, 'failure', 'a cancelled run is not green');
    const hello = (await builtIn(cancelled, 'hello-paks'))!;
    assert.ok(!(await tags(registry, 'community/hello-paks')).includes(`1.1.0-${hello.hash.slice(0, 7)}`), 'nothing was published');

    // The next push changes no recipe: the registry still lacks both builds, so it makes them.
    await writeFile(join(repo, 'NOTES.md'), 'notes\n');
    await git(repo, 'add', 'NOTES.md');
    await git(repo, 'commit', '-qm', 'notes');
    await git(repo, 'push', '-q', 'origin', 'main');
    const sha = await git(repo, 'rev-parse', 'main');
    const later = await run(onMain(), sha);
    for (const job of ['stage-0', 'stage-1', 'publish', 'release', 'result']) assert.equal(later.jobs[job]!.result, 'success', `${job}\n${later.log()}`);
    const helloNow = (await builtIn(later, 'hello-paks'))!;
    const greetNow = (await builtIn(later, 'greet-paks'))!;
    assert.equal(helloNow.hash, hello.hash);
    assert.equal(greetNow.deps['hello-paks'], helloNow.hash);
    assert.ok((await tags(registry, 'community/hello-paks')).includes(`1.1.0-${helloNow.hash.slice(0, 7)}`), later.log());
    assert.ok((await tags(registry, 'community/greet-paks')).includes(`1.0.0-${greetNow.hash.slice(0, 7)}`), later.log());
    assert.match(output(later, 'publish'), /Signed /);
    // Each binary names the commit it was built from (the catalogue links the recipe at it).
    const manifest = (await (await fetch(`${registry.url}/v2/community/hello-paks/manifests/1.1.0-${helloNow.hash.slice(0, 7)}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as { annotations: Record<string, string> };
    assert.equal(manifest.annotations['org.opencontainers.image.revision'], sha);
    assert.equal(manifest.annotations['org.opencontainers.image.source'], 'https://github.com/example/community');
    // What Spack built from source besides the packages went to the repository's build cache
    // (this plain-HTTP registry is one Spack cannot read, so the builds said so and built it).
    assert.match(output(later, 'stage-0'), /Spack cannot read the build cache [^\n]*community\/spack-buildcache over HTTPS/);
    assert.ok([...later.artifacts.keys()].some((n) => n.startsWith('deps@ubuntu-24.04@hello-paks@')), later.log());
    assert.match(output(later, 'publish'), /gcc-runtime@[^\n]*: pushed [^\n]*community\/spack-buildcache:dependencies@sha256:/);
    const cached = await tags(registry, 'community/spack-buildcache');
    assert.ok(cached.includes('index.spack') && cached.some((t) => t.startsWith('gcc-runtime-')), cached.join(' '));
    // The later stage took it from the earlier stage's artifacts instead of building it again.
    assert.match(output(later, 'stage-1'), /greet-paks: built [^\n]*\n  Spack built 1 spec from source \(greet-paks\) and took \d+ specs from build caches/);
    const releases = github.repo('example/community').releases;
    assert.deepEqual(releases.map((r) => r.tag).sort(), ['greet-paks-v1.0.0', 'hello-paks-v1.1.0']);
    assert.ok(releases.every((r) => r.targetCommitish === sha), 'each release is tagged at the commit that was built');

    // A re-run of the same commit: everything is published, nothing is built, nothing pushed.
    const again = await run(onMain(), sha);
    assert.match(output(again, 'stage-0'), /hello-paks: already published as /, again.log());
    assert.match(output(again, 'stage-1'), /greet-paks: already published as /, again.log());
    assert.deepEqual([...again.artifacts.keys()].filter((n) => n.startsWith('cache@')), []);
    assert.equal(again.jobs.release!.result, 'skipped');
    assert.equal(again.jobs.result!.result, 'success', again.log());
  });
});
