import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startFakeGitHub } from '../helpers/github/server.js';
import { exec, World, type Machine } from './world.js';
import { testSpack } from '../helpers/spack.js';

const FIX = fileURLToPath(new URL('../fixtures/spack/', import.meta.url));
/** The build-time check() and stand-alone test_run() of the recorded greet-paks (transcript 99). */
async function recordedTests(): Promise<string> {
  const text = await readFile(join(FIX, 'transcripts', '99-cat-greet-paks-with-tests.txt'), 'utf8');
  return text.slice(text.indexOf('    # build-time test'), text.indexOf('### stderr'));
}
const gitEnv = { GIT_AUTHOR_NAME: 'Maintainer', GIT_AUTHOR_EMAIL: 'm@example.com', GIT_COMMITTER_NAME: 'Maintainer', GIT_COMMITTER_EMAIL: 'm@example.com' };
const git = (cwd: string, ...args: string[]) => exec('git', args, { cwd, env: { ...process.env, ...gitEnv } });

async function tags(registry: TestRegistry, repo: string): Promise<string[]> {
  const response = await fetch(`${registry.url}/v2/${repo}/tags/list`);
  if (response.status === 404) return [];
  return ((await response.json()) as { tags: string[] | null }).tags ?? [];
}

describe('a community repository: init → add → change → changed → build, test, push', () => {
  let world: World;
  let registry: TestRegistry;
  let maintainer: Machine;
  let repo: string;
  let recipe: string;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    maintainer = await world.machine('maintainer');
    repo = join(world.dir, 'community');
    const created = await maintainer.paks(['key', 'create']);
    assert.equal(created.exitCode, 0, created.stderr);
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  test('init, add two packages from Spack (one depends on the other), commit', async () => {
    const init = await maintainer.paks(['repo', 'init', repo, '--registry', `${registry.host}/community`, '--platform', 'ubuntu-24.04']);
    assert.equal(init.exitCode, 0, init.stderr);
    await mkdir(join(repo, 'keys'));
    const exported = await maintainer.paks(['key', 'export', join(repo, 'keys', 'publisher.asc')]);
    assert.equal(exported.exitCode, 0, exported.stderr);
    // A recipe travels with its patches.
    await writeFile(join(world.dir, 'maintainer', 'spack', 'paksdemo-repo', 'packages', 'hello-paks', 'fix-build.patch'), '--- a/x\n+++ b/x\n');
    for (const name of ['hello-paks', 'greet-paks']) {
      const added = await maintainer.paks(['repo', 'add', name, '--from-spack', '--repo', repo]);
      assert.equal(added.exitCode, 0, added.stderr);
      assert.match(added.stdout, new RegExp(`packages/${name}/package\\.py`));
    }
    assert.equal(await readFile(join(repo, 'packages', 'hello-paks', 'fix-build.patch'), 'utf8'), '--- a/x\n+++ b/x\n');
    recipe = join(repo, 'packages', 'greet-paks', 'package.py');
    await appendFile(recipe, `\n${await recordedTests()}`);
    const unknown = await maintainer.paks(['repo', 'add', 'no-such-package', '--from-spack', '--repo', repo]);
    assert.equal(unknown.exitCode, 1);
    assert.match(unknown.stderr, /Spack has no package named no-such-package/);
    const again = await maintainer.paks(['repo', 'add', 'hello-paks', '--from-spack', '--repo', repo]);
    assert.notEqual(again.exitCode, 0);
    assert.match(again.stderr, /already has a recipe for hello-paks/);
    // --force copies Spack's recipe over the folder and removes nothing else in it.
    await writeFile(join(repo, 'packages', 'hello-paks', 'NOTES.md'), 'mine\n');
    await writeFile(join(repo, 'packages', 'hello-paks', 'package.py'), '# edited\n');
    const forced = await maintainer.paks(['repo', 'add', 'hello-paks', '--from-spack', '--force', '--repo', repo]);
    assert.equal(forced.exitCode, 0, forced.stderr);
    assert.equal(await readFile(join(repo, 'packages', 'hello-paks', 'NOTES.md'), 'utf8'), 'mine\n');
    assert.equal(await readFile(join(repo, 'packages', 'hello-paks', 'package.py'), 'utf8'), await readFile(join(world.dir, 'maintainer', 'spack', 'paksdemo-repo', 'packages', 'hello-paks', 'package.py'), 'utf8'));
    await rm(join(repo, 'packages', 'hello-paks', 'NOTES.md'));
    // A new recipe for a tarball, through spack create; then a broken paks.yaml is refused in one sentence.
    const tarball = join(world.dir, 'newtool-2.0.tar.gz');
    await exec('tar', ['-czf', tarball, '-C', join(FIX, 'repos', 'paksdemo', 'src'), 'hello-paks-1.1.0']);
    const created = await maintainer.paks(['repo', 'add', 'newtool', '--url', `file://${tarball}`, '--repo', repo]);
    assert.equal(created.exitCode, 0, created.stderr);
    const text = await readFile(join(repo, 'packages', 'newtool', 'package.py'), 'utf8');
    assert.match(text, /class Newtool\(MakefilePackage\):/);
    assert.match(text, /version\("2\.0", sha256="[0-9a-f]{64}"\)/);
    await rm(join(repo, 'packages', 'newtool'), { recursive: true });
    const neither = await maintainer.paks(['repo', 'add', 'x', '--repo', repo]);
    assert.equal(neither.exitCode, 2);
    // The name where the repository keeps its Spack build cache of dependencies.
    const clash = await maintainer.paks(['repo', 'add', 'spack-buildcache', '--from-spack', '--repo', repo]);
    assert.equal(clash.exitCode, 1, clash.stderr);
    assert.match(clash.stderr, /^Error: spack-buildcache would be pushed to .*\/community\/spack-buildcache, where this repository keeps its Spack build cache of dependencies\.\n.*build_cache/);
    const config = join(repo, 'paks.yaml');
    const original = await readFile(config, 'utf8');
    await writeFile(config, `${original}\nplatfroms: [ubuntu-24.04]\n`);
    const broken = await maintainer.paks(['repo', 'changed', '--repo', repo]);
    assert.equal(broken.exitCode, 2);
    assert.match(broken.stderr, /^Error: .*paks\.yaml line \d+: platfroms is not a setting Paks knows\.\n/);
    await writeFile(config, original);
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'hello-paks and greet-paks');
  });

  test('a change to the dependency names both packages, in two stages', async () => {
    await git(repo, 'checkout', '-qb', 'update-hello');
    await appendFile(join(repo, 'packages', 'hello-paks', 'package.py'), '    # maintained here\n');
    await git(repo, 'commit', '-qam', 'touch hello-paks');
    const changed = await maintainer.paks(['repo', 'changed', '--repo', repo]);
    assert.equal(changed.exitCode, 0, changed.stderr);
    assert.deepEqual(changed.stdout.trim().split('\n'), ['hello-paks', 'greet-paks']);
    const matrix = await maintainer.paks(['repo', 'changed', '--matrix', '--repo', repo]);
    assert.deepEqual(JSON.parse(matrix.stdout), { include: [{ package: 'hello-paks', platform: 'ubuntu-24.04', runner: 'ubuntu-24.04', image: '', stage: 0 }, { package: 'greet-paks', platform: 'ubuntu-24.04', runner: 'ubuntu-24.04', image: '', stage: 1 }] });
  });

  test('repo build --push builds, tests and pushes both, and writes JUnit', async () => {
    const junit = join(world.dir, 'junit.xml');
    const built = await maintainer.paks(['repo', 'build', '--push', '--junit', junit, '--repo', repo]);
    assert.equal(built.exitCode, 0, `${built.stdout}\n${built.stderr}`);
    assert.match(built.stdout, /^hello-paks: built 1\.1\.0\/\w{7}, pushed 127\.0\.0\.1:\d+\/community\/hello-paks:1\.1\.0-\w{7}@sha256:[0-9a-f]{64}$/m);
    assert.match(built.stdout, /^greet-paks: built 1\.0\.0\/\w{7}, tested \(1 passed\), pushed .*\/community\/greet-paks:1\.0\.0-\w{7}@sha256:/m);
    // Under each package, what Spack built from source for it and what it took from build caches.
    assert.match(built.stdout, /^hello-paks: .*\n  Spack built \d+ specs from source \(([\w-]+, )*gcc-runtime, hello-paks\) and took 0 specs from build caches$/m);
    for (const line of built.stdout.trim().split('\n').filter((l) => !l.startsWith(' '))) {
      const [, version, hash, tag] = /built ([\d.]+)\/(\w{7}).*:([\d.]+-\w{7})@/.exec(line)!;
      assert.equal(tag, `${version}-${hash}`, 'the pushed build is the one that was tested');
    }
    assert.ok((await tags(registry, 'community/hello-paks')).includes('1.1.0'));
    assert.ok((await tags(registry, 'community/greet-paks')).includes('latest'));
    const xml = await readFile(junit, 'utf8');
    assert.match(xml, /<testsuite name="greet-paks" tests="3" failures="0"/);
  });

  test('release makes one release per package with SBOMs and the publisher key; again: the same release', async () => {
    const github = await startFakeGitHub({ repos: [{ owner: 'example', name: 'community' }] });
    try {
      const env = { ...github.env, GITHUB_REPOSITORY: 'example/community' };
      const dry = await maintainer.paks(['release', 'greet-paks', '--dry-run', '--repo', repo], env);
      assert.equal(dry.exitCode, 0, dry.stderr);
      assert.match(dry.stdout, /Would make release greet-paks-v1\.0\.0/);
      const pinned = await maintainer.paks(['release', 'hello-paks', '--version', '1.1.0', '--dry-run', '--repo', repo], env);
      assert.match(pinned.stdout, /Would make release hello-paks-v1\.1\.0/, pinned.stderr);
      const missing = await maintainer.paks(['release', 'hello-paks', '--version', '9.9', '--dry-run', '--repo', repo], env);
      assert.equal(missing.exitCode, 1);
      assert.match(missing.stderr, /has no version 9\.9, so there is nothing to release/);
      assert.equal(github.repo('example/community').releases.length, 0);
      for (const name of ['hello-paks', 'greet-paks']) {
        const released = await maintainer.paks(['release', name, '--repo', repo], env);
        assert.equal(released.exitCode, 0, released.stderr);
        assert.match(released.stdout, /created on example\/community/);
      }
      const releases = github.repo('example/community').releases;
      assert.deepEqual(releases.map((r) => r.tag).sort(), ['greet-paks-v1.0.0', 'hello-paks-v1.1.0']);
      const greet = releases.find((r) => r.tag === 'greet-paks-v1.0.0')!;
      assert.match(greet.body ?? '', /paks install greet-paks@1\.0\.0 --registry 127\.0\.0\.1:\d+\/community/);
      assert.match(greet.body ?? '', /Digest: `sha256:[0-9a-f]{64}`/);
      assert.ok((greet.body ?? '').includes(`- ${testSpack.arch.replace(/^linux-/, '')}`), greet.body ?? '');
      // The package's own SBOMs, one per format and platform, never a dependency's under its name.
      const names = greet.assets.map((a) => a.name).sort();
      const platform = testSpack.arch.replace(/^linux-/, '');
      assert.deepEqual(names, [`greet-paks-1.0.0-${platform}.cdx.json`, `greet-paks-1.0.0-${platform}.spdx.json`, 'publisher.asc']);
      const sbom = JSON.parse(greet.assets.find((a) => a.name.endsWith('.cdx.json'))!.data.toString('utf8')) as { bomFormat: string; metadata: { component: { name: string } } };
      assert.equal(sbom.bomFormat, 'CycloneDX');
      assert.equal(sbom.metadata.component.name, 'greet-paks');
      // Several packages at once: one that fails does not stop the others, and the run says which failed.
      const again = await maintainer.paks(['release', 'nosuch', 'greet-paks', '--repo', repo], env);
      assert.equal(again.exitCode, 2, again.stderr);
      assert.match(again.stdout, /^nosuch: failed \(There is no package nosuch in this repository/m);
      assert.match(again.stdout, /unchanged on example\/community/);
      assert.match(again.stdout, /: unchanged$/m);
      assert.doesNotMatch(again.stdout, /: (uploaded|replaced)$/m);
      assert.match(again.stderr, /1 of 2 releases failed: nosuch\./);
      assert.equal(github.repo('example/community').releases.length, 2);
      const noToken = await maintainer.paks(['release', 'greet-paks', '--repo', repo], { ...env, GITHUB_TOKEN: undefined, GH_TOKEN: undefined });
      assert.equal(noToken.exitCode, 1);
      assert.match(noToken.stderr, /No GitHub token .*contents: write/);
    } finally {
      await github.stop();
    }
  });

  test('a registry that refuses the push: the build fails and nothing is released', async () => {
    const locked = await startRegistry({ kind: 'htpasswd', users: { someone: 'secret' } });
    const github = await startFakeGitHub({ repos: [{ owner: 'example', name: 'community' }] });
    try {
      const config = join(repo, 'paks.yaml');
      const original = await readFile(config, 'utf8');
      await writeFile(config, original.replace(/^registry: .*$/m, `registry: ${locked.host}/community`));
      await appendFile(join(repo, 'packages', 'hello-paks', 'package.py'), '    # refused\n');
      const built = await maintainer.paks(['repo', 'build', 'hello-paks', '--push', '--repo', repo]);
      assert.equal(built.exitCode, 1);
      assert.match(built.stdout, /^hello-paks: built .*, failed \(the push to 127\.0\.0\.1:\d+\/community\/hello-paks failed: /m);
      const released = await maintainer.paks(['release', 'hello-paks', '--repo', repo], { ...github.env, GITHUB_REPOSITORY: 'example/community' });
      assert.equal(released.exitCode, 1);
      assert.match(released.stderr, /hello-paks:1\.1\.0: it does not exist|nothing to release/);
      assert.equal(github.repo('example/community').releases.length, 0);
      await writeFile(config, original);
    } finally {
      await github.stop();
      await locked.stop();
    }
  });

  test('a failing stand-alone test blocks that push and exits non-zero', async () => {
    const before = await tags(registry, 'community/greet-paks');
    await writeFile(recipe, (await readFile(recipe, 'utf8')).replace('expected = "Hello from hello-paks, stand-alone!"', 'expected = "Goodbye from hello-paks"'));
    const built = await maintainer.paks(['repo', 'build', 'greet-paks', '--push', '--repo', repo]);
    assert.equal(built.exitCode, 1, built.stderr);
    assert.match(built.stdout, /^greet-paks: built 1\.0\.0\/\w{7}, failed \(its stand-alone tests failed: Expected 'Goodbye from hello-paks' in the output\)$/m);
    assert.match(built.stdout, /last lines of the log:\n(.*\n)*.*FAILED: GreetPaks::test_run/);
    assert.deepEqual(await tags(registry, 'community/greet-paks'), before);
  });

  test('a failing build-time check() fails the build with Spack\'s reason; --keep-going builds the others', async () => {
    await writeFile(recipe, (await readFile(recipe, 'utf8')).replace('assert "build-check" in out', 'assert "no-such-word" in out'));
    await appendFile(join(repo, 'packages', 'hello-paks', 'package.py'), '    # again\n');
    if (testSpack.series === '1.1') {
      // The stand-in as 1.1 takes each recipe's package_hash from the recording (by name@version), so an
      // edited recipe keeps its hash and the installed build would be reused: remove it, so check() runs.
      // repo build installs in paks build's padded tree (build_padded_length 128): uninstall there.
      const scope = join(world.dir, 'padded-scope');
      await mkdir(scope, { recursive: true });
      await writeFile(join(scope, 'config.yaml'), 'config:\n  install_tree:\n    padded_length: 128\n');
      await exec(join(maintainer.spackRoot, 'bin', 'spack'), ['-C', scope, 'uninstall', '-y', '-a', 'greet-paks'], { env: { ...process.env, ...maintainer.env } });
    }
    const built = await maintainer.paks(['repo', 'build', 'greet-paks', 'hello-paks', '--keep-going', '--repo', repo, '--tests', 'root']);
    if (process.env.DEBUG_REPO) console.log(built.stdout, built.stderr);
    assert.equal(built.exitCode, 1);
    assert.match(built.stdout, /^hello-paks: built/m);
    assert.match(built.stdout, /^greet-paks: failed \(the build or its build-time tests failed: AssertionError: unexpected output: greet-paks 1\.0\.0: Hello from hello-paks, build-check!/m);
    const bad = await maintainer.paks(['repo', 'build', 'nope', '--repo', repo]);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /There is no package nope in this repository \(greet-paks, hello-paks\)/);
  });
});
