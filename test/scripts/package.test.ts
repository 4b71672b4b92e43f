// What npm publishes: `npm install --global paks@X` (as the generated workflows run it) must
// install the dependency tree the tests ran with, so the package carries npm-shrinkwrap.json,
// written from the committed package-lock.json when it is packed (scripts/shrinkwrap.mjs).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { temporaryDirectory } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('the packed package carries npm-shrinkwrap.json, the committed lock of exactly the dependencies package.json declares', async (t) => {
  // Packed from a copy, so that prepack/postpack never touch the checkout the other tests use.
  const dir = await temporaryDirectory(t);
  for (const file of ['package.json', 'package-lock.json']) await cp(join(root, file), join(dir, file));
  await mkdir(join(dir, 'scripts'));
  await cp(join(root, 'scripts', 'shrinkwrap.mjs'), join(dir, 'scripts', 'shrinkwrap.mjs'));
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ files: Array<{ path: string }> }>;
  assert.ok(packed!.files.some((f) => f.path === 'npm-shrinkwrap.json'), packed!.files.map((f) => f.path).join(', '));
  assert.ok(!(await readdir(dir)).includes('npm-shrinkwrap.json'), 'postpack removes it again');
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string>; version?: string }> };
  assert.deepEqual(lock.packages['']!.dependencies, manifest.dependencies);
  for (const name of Object.keys(manifest.dependencies)) assert.ok(lock.packages[`node_modules/${name}`]?.version, `${name} is locked`);
});

/**
 * Whether a package's `engines.node` admits this Node major: some `||` alternative whose lower
 * bound (`>=N`, `^N`, `N`, `~N`) allows it (`^N` and `~N` only within that major).
 */
function admits(range: string, major: number): boolean {
  return range.split('||').some((alternative) => {
    const bound = /(>=|\^|~|=)?\s*v?(\d+)/.exec(alternative.trim());
    if (!bound) return true;
    const [, operator, at] = bound;
    return operator === '>=' ? Number(at) <= major : Number(at) === major;
  });
}

test('every package Paks installs accepts the oldest Node it supports (package.json engines)', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
  const floor = Number(/>=\s*(\d+)/.exec(pkg.engines.node)![1]);
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }> };
  const refusing = Object.entries(lock.packages)
    .filter(([path, entry]) => path && !entry.dev && !Array.isArray(entry.engines) && entry.engines?.node && !admits(entry.engines.node, floor))
    .map(([path, entry]) => `${path} (${(entry.engines as { node: string }).node})`);
  assert.deepEqual(refusing, [], `these declare no support for Node ${floor}: pin an older release with package.json overrides`);
  assert.equal(admits('>=22', floor), floor >= 22, 'the check itself refuses a newer floor');
});
