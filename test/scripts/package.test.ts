// What npm publishes: `npm install --global paks@X` (as the generated workflows run it) must
// install the dependency tree the tests ran with, so the package ships npm-shrinkwrap.json.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('the package ships npm-shrinkwrap.json, locking exactly the dependencies package.json declares', async () => {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  assert.ok(packed!.files.some((f) => f.path === 'npm-shrinkwrap.json'));
  const manifest = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string> };
  const lock = JSON.parse(await readFile(`${root}npm-shrinkwrap.json`, 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string>; version?: string }> };
  assert.deepEqual(lock.packages['']!.dependencies, manifest.dependencies);
  for (const name of Object.keys(manifest.dependencies)) assert.ok(lock.packages[`node_modules/${name}`]?.version, `${name} is locked`);
});
