/**
 * `paks repo init --github`, `paks repo setup` and `paks repo doctor` as a maintainer runs them,
 * against the fake GitHub (validated against GitHub's OpenAPI description), a real git
 * remote and the Spack stand-in's keyring.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { World, type Machine } from '../e2e/world.js';
import { ALL_PERMISSIONS, startFakeGitHub, type FakeGitHub, type Permissions } from '../helpers/github/server.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const git = (dir: string, ...args: string[]) => execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8' }).trim();

describe('setting up a package repository on GitHub', () => {
  let world: World;
  let github: FakeGitHub;
  let registry: TestRegistry;
  let maintainer: Machine;
  let gitRoot: string;
  let clone: string;
  let env: Record<string, string | undefined>;

  before(async () => {
    world = await World.create();
    gitRoot = join(world.dir, 'github-git');
    github = await startFakeGitHub({ login: 'octo', permissions: { ...ALL_PERMISSIONS }, gitRoot });
    registry = await startRegistry();
    maintainer = await world.machine('maintainer');
    // Paks has no username/email here: setup takes them from git's configuration.
    await writeFile(join(maintainer.home, '.gitconfig'), '[user]\n\tname = Octo Maintainer\n\temail = octo@example.org\n');
    clone = join(maintainer.home, 'packages');
    env = {
      ...github.env,
      PAKS_USERNAME: undefined,
      PAKS_EMAIL: undefined,
      // git reaches the fake's clone URLs in the bare repositories the fake made.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `url.file://${gitRoot}/.insteadOf`,
      GIT_CONFIG_VALUE_0: `${github.urls.web}/`,
    };
  });
  after(async () => {
    await github?.stop();
    await registry?.stop();
    await world?.dispose();
  });

  test('paks repo init --github sets up everything from nothing, and pushes', async () => {
    const run = await maintainer.paks(['repo', 'init', 'packages', '--github', '--registry', `${registry.host}/octo/packages`], env);
    assert.equal(run.exitCode, 0, run.stderr + run.stdout);
    const repo = github.repo('octo/packages');
    // The secret is the armored secret key, sealed so that GitHub's runner can open it.
    const secret = github.openSecret('octo/packages', 'PAKS_SIGNING_KEY');
    assert.match(secret ?? '', /-----BEGIN PGP PRIVATE KEY BLOCK-----/);
    const fingerprint = repo.variables.get('PAKS_SIGNING_KEY_FINGERPRINT')?.value;
    assert.match(fingerprint ?? '', /^[0-9A-F]{40}$/);
    const keys = JSON.parse((await maintainer.paks(['key', 'list', '--json'], env)).stdout) as { signing: { fingerprint: string; uids: string[] }[] };
    assert.equal(keys.signing[0]?.fingerprint, fingerprint);
    assert.match(keys.signing[0]!.uids.join(), /^Octo Maintainer .*<octo@example\.org>$/);
    assert.deepEqual(repo.pages, { buildType: 'workflow' });
    assert.equal(repo.workflowPermissions.canApprovePullRequestReviews, true);
    assert.deepEqual(repo.labels.map((l) => l.name), ['paks-update']);
    // One push of the default branch, holding the workflows and the public key.
    const tree = git(repo.gitDir!, 'ls-tree', '-r', '--name-only', 'main');
    assert.match(tree, /^keys\/publisher\.asc$/m);
    assert.match(tree, /^\.github\/workflows\/build\.yml$/m);
    assert.match(git(repo.gitDir!, 'show', 'main:keys/publisher.asc'), /BEGIN PGP PUBLIC KEY BLOCK/);
    for (const text of [run.stdout, run.stderr]) {
      assert.doesNotMatch(text, /PRIVATE KEY|ghs_/);
      assert.ok(!text.includes(github.token));
    }
    assert.match(run.stdout, /changed +Actions secret PAKS_SIGNING_KEY/);
  });

  test('a token that may not create the repository gets one sentence, and nothing is written', async () => {
    github.permissions = { ...ALL_PERMISSIONS, administration: 'read' };
    try {
      const run = await maintainer.paks(['repo', 'init', 'refused', '--github', '--registry', `${registry.host}/octo/refused`], env);
      assert.notEqual(run.exitCode, 0);
      assert.match(run.stderr, /The token may not create the repository octo\/refused: give it the fine-grained permission "Administration: write" \(for octo's repositories\) and run this again, or create an empty repository at https:\/\/github\.com\/new and run this again\./);
      assert.equal(existsSync(join(maintainer.home, 'refused')), false);
      assert.equal(github.repos.has('octo/refused'), false);
    } finally {
      github.permissions = { ...ALL_PERMISSIONS };
    }
  });

  test('a second run changes nothing and says so', async () => {
    const before = github.requests.length;
    const run = await maintainer.paks(['repo', 'setup', '--github-repo', 'octo/packages', '--repo', clone], env);
    assert.equal(run.exitCode, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /Nothing to change: octo\/packages is set up\./);
    const writes = github.requests.slice(before).filter((r) => r.method !== 'GET');
    assert.deepEqual(writes, []);
  });

  for (const [scope, permission] of [
    ['secrets', 'Secrets: write'],
    ['pages', 'Pages: write'],
    ['administration', 'Administration: write'],
    ['issues', 'Issues: write'],
  ] as const) {
    test(`a token without ${permission} gets one sentence naming it, and the rest is done`, async () => {
      const name = `lacks-${scope}`;
      github.addRepo({ owner: 'octo', name });
      // Labels need Issues or Pull requests: write; take both away.
      github.permissions = { ...ALL_PERMISSIONS, [scope]: 'read', ...(scope === 'issues' ? { pull_requests: 'read' } : {}) } as Permissions;
      try {
        const run = await maintainer.paks(['repo', 'setup', '--github-repo', `octo/${name}`, '--repo', clone], env);
        assert.equal(run.exitCode, 1, run.stderr + run.stdout);
        const refused = run.stdout.split('\n').filter((line) => /^\s+refused /.test(line));
        assert.equal(refused.length, 1, run.stdout);
        assert.match(refused[0]!, new RegExp(`give it the fine-grained permission "${permission}" and run paks repo setup again, or .*https://github\\.com/octo/${name}/`));
        assert.match(run.stdout, /not fully set up/);
        const done = run.stdout.split('\n').filter((line) => /^\s+changed /.test(line));
        assert.equal(done.length, 3, run.stdout);
      } finally {
        github.permissions = { ...ALL_PERMISSIONS };
      }
    });
  }

  test('paks repo doctor names what a half-set-up repository lacks, each with its fix', async () => {
    github.addRepo({ owner: 'octo', name: 'half' });
    const half = github.repo('octo/half');
    // The secret holds another key, Pages is off; a package has never been pushed.
    github.permissions = { ...ALL_PERMISSIONS, pages: 'read' };
    const setup = await maintainer.paks(['repo', 'setup', '--github-repo', 'octo/half', '--repo', clone], env);
    github.permissions = { ...ALL_PERMISSIONS };
    assert.equal(setup.exitCode, 1, setup.stdout);
    half.variables.get('PAKS_SIGNING_KEY_FINGERPRINT')!.value = 'AAAABBBBCCCCDDDDEEEEFFFF0000111122223333';
    await mkdir(join(clone, 'packages', 'greet'), { recursive: true });
    await writeFile(join(clone, 'packages', 'greet', 'package.py'), 'from spack.package import *\n\nclass Greet(Package):\n    version("1.0", sha256="' + '0'.repeat(64) + '")\n');
    const run = await maintainer.paks(['repo', 'doctor', '--github-repo', 'octo/half', '--repo', clone], env);
    assert.equal(run.exitCode, 1, run.stderr + run.stdout);
    const text = run.stdout;
    assert.match(text, /^ok +Publisher key keys\/publisher\.asc: key [0-9A-F]{40}$/m);
    assert.match(text, /^MISSING Actions secret PAKS_SIGNING_KEY: holds key AAAABBBB\w+, not [0-9A-F]{40}\n +fix: paks repo setup, or /m);
    assert.match(text, /^MISSING GitHub Pages \(source: GitHub Actions\): off\n +fix: paks repo setup, or choose Source: GitHub Actions .*settings\/pages/m);
    assert.match(text, /^ok +Workflow token may open pull requests: allowed$/m);
    assert.match(text, /^ok +Workflow \.github\/workflows\/build\.yml: current$/m);
    assert.match(text, new RegExp(`^MISSING Package ${registry.host.replace(/\./g, '\\.')}/octo/packages/greet: not pullable anonymously .*\\n +fix: make `, 'm'));
    assert.match(text, /octo\/half: 3 things to fix/);

    // A workflow edited by hand is not current.
    const build = join(clone, '.github', 'workflows', 'build.yml');
    await writeFile(build, `${await readFile(build, 'utf8')}# edited\n`);
    const again = await maintainer.paks(['repo', 'doctor', '--github-repo', 'octo/half', '--repo', clone], env);
    assert.match(again.stdout, /^MISSING Workflow \.github\/workflows\/build\.yml: differs from what this Paks writes.*\n +fix: paks repo upgrade/m);
  });
});
