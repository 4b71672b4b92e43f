// `paks list` asks Spack what it needs each time, all at once: nothing started early by a
// launcher, no remembered prefixes (issue 21, items 2 to 4).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadedSources, PAKS_CJS, runPaks, temporaryDirectory } from '../helpers/cli.js';
import { createSpackRoot, runSpack } from '../helpers/spack.js';

type Listed = Array<{ name: string; hash: string; prefix: string | null }>;

test('a launcher plan an older Paks left in the cache folder starts nothing', async (t) => {
  const dir = await temporaryDirectory(t);
  const home = join(dir, 'home');
  const sr = await createSpackRoot(join(dir, 'spack'));
  const plans = join(home, '.cache', 'paks', 'prefetch');
  await mkdir(plans, { recursive: true, mode: 0o700 });
  await writeFile(join(plans, 'list.sh'), `touch ${join(dir, 'launched')}\n`, { mode: 0o600 });
  const listed = await runPaks(['list', '--json'], { home, env: sr.env });
  assert.equal(listed.exitCode, 0, listed.stderr);
  await assert.rejects(stat(join(dir, 'launched')), /ENOENT/, 'the plan was not run');
});

test('two lists at once against a slow Spack both answer, each with its own queries', async (t) => {
  const dir = await temporaryDirectory(t);
  const home = join(dir, 'home');
  await mkdir(home);
  const sr = await createSpackRoot(join(dir, 'spack'));
  assert.equal(runSpack(sr, ['install', 'hello-paks']).code, 0);
  // Spack held up (a database lock, a slow file system): every call takes a second and a half.
  await rename(sr.bin, `${sr.bin}-real`);
  await writeFile(sr.bin, `#!/bin/sh\nsleep 1.5\nexec "$0-real" "$@"\n`);
  await chmod(sr.bin, 0o755);
  const [a, b] = await Promise.all([runPaks(['list', '--json'], { home, env: sr.env, timeoutMs: 30_000 }), runPaks(['list', '--json'], { home, env: sr.env, timeoutMs: 30_000 })]);
  assert.equal(a.exitCode, 0, a.stderr);
  assert.equal(b.exitCode, 0, b.stderr);
  assert.deepEqual(JSON.parse(a.stdout), JSON.parse(b.stdout));
  assert.ok((JSON.parse(a.stdout) as Listed).some((s) => s.name === 'hello-paks' && s.prefix));
});

test('a changed install_tree is seen at once: prefixes are those of the tree Spack reads now', async (t) => {
  const dir = await temporaryDirectory(t);
  const home = join(dir, 'home');
  await mkdir(home);
  const sr = await createSpackRoot(join(dir, 'spack'));
  assert.equal(runSpack(sr, ['install', 'hello-paks']).code, 0);
  const before = (JSON.parse((await runPaks(['list', '--json'], { home, env: sr.env })).stdout) as Listed).find((s) => s.name === 'hello-paks')!;
  assert.ok(before.prefix?.startsWith(join(sr.root, 'opt', 'spack')));
  // Another install tree, where the same spec (same hash) is installed too; the old prefix stays on disk.
  const tree = join(dir, 'other-tree');
  await writeFile(join(sr.userConfig, 'config.yaml'), `config:\n  install_tree:\n    root: ${tree}\n`);
  assert.equal(runSpack(sr, ['install', 'hello-paks']).code, 0);
  const after = (JSON.parse((await runPaks(['list', '--json'], { home, env: sr.env })).stdout) as Listed).find((s) => s.name === 'hello-paks')!;
  assert.equal(after.hash, before.hash);
  assert.ok(after.prefix?.startsWith(tree), `${after.prefix} is in ${tree}`);
  await stat(before.prefix!);
});

test('paks list --json reads what Spack answers without loading zod or the YAML parser (bench/start.ts)', async (t) => {
  const dir = await temporaryDirectory(t);
  const home = join(dir, 'home');
  await mkdir(home);
  const sr = await createSpackRoot(join(dir, 'spack'));
  assert.equal(runSpack(sr, ['install', 'hello-paks']).code, 0);
  // The first run reads the settings files (and keeps their snapshot); the second is measured.
  assert.equal((await runPaks(['list', '--json'], { home, env: sr.env })).exitCode, 0);
  const recording = join(dir, 'imports.txt');
  const recorder = fileURLToPath(new URL('../helpers/record-imports.mjs', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', recorder, PAKS_CJS, 'list', '--json'], { env: { ...process.env, ...sr.env, HOME: home, PAKS_RECORD_IMPORTS: recording }, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.ok((JSON.parse(run.stdout) as Listed).some((s) => s.name === 'hello-paks' && s.prefix));
  const loaded = await loadedSources(recording);
  assert.ok(loaded.includes('/src/spack/spec-check.ts'), 'the recording sees the listing code');
  for (const heavy of ['zod', 'yaml']) assert.ok(!loaded.includes(`/node_modules/${heavy}/`), `paks list loaded ${heavy}`);
  // Paks never built here (no build-tree note): none of the build tree's code either.
  for (const build of ['/src/build/tree.ts', '/src/build/scope.ts', '/src/buildcache/microarchitectures.ts']) assert.ok(!loaded.includes(build), `paks list loaded ${build}`);
});
