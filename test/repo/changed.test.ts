import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { initRepository } from '../../src/repo/init.js';
import { openCommunityRepository } from '../../src/repo/config.js';
import { changedPackages, matrixOf, stageOutputs } from '../../src/repo/changed.js';
import { declaredDependencies } from '../../src/repo/packages.js';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';

const exec = promisify(execFile);
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
const git = (cwd: string, ...args: string[]) => exec('git', args, { cwd, env: gitEnv });

async function recipe(root: string, name: string, deps: string[], extra = ''): Promise<void> {
  await mkdir(join(root, 'packages', name), { recursive: true });
  const cls = name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
  await writeFile(join(root, 'packages', name, 'package.py'), `from spack.package import *\n\n\nclass ${cls}(Package):\n    version("1.0")\n${deps.map((d) => `    depends_on("${d}@1:", type=("build", "link"))\n`).join('')}    # depends_on("commented-out")\n${extra}`);
}

test('declaredDependencies reads depends_on names, not comments', () => {
  assert.deepEqual(declaredDependencies('depends_on("a@1:")\n  # depends_on("b")\n  depends_on(\'c\', when="+x")\n  depends_on("builtin.zlib")\n'), ['a', 'c', 'zlib']);
});

test('repo changed: changed packages, their dependents, stages, and the matrix', async (t) => {
  const root = join(await temporaryDirectory(t), 'pkgs');
  await initRepository(root, { registry: 'ghcr.io/me/pkgs', platforms: ['ubuntu-22.04', 'ubuntu-24.04'], spackVersion: 'v' });
  await recipe(root, 'base', []);
  await recipe(root, 'middle', ['base', 'zlib']);
  await recipe(root, 'top', ['middle']);
  await recipe(root, 'alone', []);
  await git(root, 'add', '-A');
  await git(root, 'commit', '-qm', 'four packages');
  const repo = await openCommunityRepository(join(root, 'packages'));

  const all = await changedPackages(repo, { since: '' });
  assert.deepEqual(all.packages.map((p) => [p.name, p.stage]), [['alone', 0], ['base', 0], ['middle', 1], ['top', 2]]);
  assert.equal(all.stages, 3);

  // On main with nothing changed: nothing to build, an empty include.
  const none = await changedPackages(repo);
  assert.deepEqual(none.packages, []);
  assert.deepEqual(matrixOf(none), { include: [] });
  assert.equal(stageOutputs(none, 4).stages, '0');

  await git(root, 'checkout', '-qb', 'change-base');
  await writeFile(join(root, 'packages', 'base', 'package.py'), '# changed\n', { flag: 'a' });
  await git(root, 'commit', '-qam', 'change base');
  const changed = await changedPackages(repo);
  assert.deepEqual(changed.packages.map((p) => [p.name, p.reason, p.stage]), [['base', 'changed', 0], ['middle', 'dependent', 1], ['top', 'dependent', 2]]);
  assert.deepEqual(matrixOf(changed, 1).include, [
    { package: 'middle', platform: 'ubuntu-22.04', runner: 'ubuntu-22.04', image: '', stage: 1 },
    { package: 'middle', platform: 'ubuntu-24.04', runner: 'ubuntu-24.04', image: '', stage: 1 },
  ]);
  const outputs = stageOutputs(changed, 2);
  assert.equal(outputs.stages, '2');
  assert.deepEqual(JSON.parse(outputs['stage-1']!).include.map((e: { package: string }) => e.package), ['middle', 'middle', 'top', 'top']);

  // The CLI from a folder inside the repository, as CI runs it.
  const home = await temporaryDirectory(t);
  const cli = await runPaks(['repo', 'changed', '--matrix'], { home, cwd: join(root, 'packages') });
  assert.equal(cli.exitCode, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).include.length, 6);
  const outFile = join(home, 'github-output');
  const gh = await runPaks(['repo', 'changed', '--since', 'main', '--github-output', outFile, '--stages', '4', '--repo', root], { home });
  assert.equal(gh.exitCode, 0, gh.stderr);
  const bad = await runPaks(['repo', 'changed', '--since', 'no-such-ref'], { home, cwd: root });
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /--since no-such-ref names no commit/);
});

test('repo changed splits a stage larger than the 256-job matrix limit', async (t) => {
  const root = join(await temporaryDirectory(t), 'big');
  await initRepository(root, { registry: 'ghcr.io/me/big', platforms: ['ubuntu-22.04', 'ubuntu-24.04'], spackVersion: 'v' });
  for (let i = 0; i < 130; i++) await recipe(root, `p${String(i).padStart(3, '0')}`, []);
  await recipe(root, 'last', ['p000']);
  const repo = await openCommunityRepository(root);
  const report = await changedPackages(repo, { since: '' });
  const sizes = [0, 1, 2].map((s) => matrixOf(report, s).include.length);
  assert.deepEqual(sizes, [256, 4, 2]);
  assert.equal(report.packages.find((p) => p.name === 'last')!.stage, 2);
});
