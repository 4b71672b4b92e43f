import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { SpackRunner } from '../../src/spack/runner.js';
import { prefixMemory } from '../../src/spack/prefixes.js';
import { temporaryDirectory } from '../helpers/cli.js';

const A = 'eus5xxlme3e4olqwzmc6dk5dp6hopdrj';
const B = 'v3txzpguqtrca4lvc5rmlzbkazgyeoku';

test('remembered prefixes answer only while every one is still on disk, per Spack and configuration', async (t) => {
  const dir = await temporaryDirectory(t);
  const env = { HOME: join(dir, 'home'), SPACK_USER_CONFIG_PATH: join(dir, 'config') };
  const spack = new SpackRunner({ executable: join(dir, 'spack', 'bin', 'spack'), root: join(dir, 'spack'), source: 'flag' }, { env });
  const prefixA = join(dir, 'opt', `greet-paks-1.0.0-${A}`);
  const prefixB = join(dir, 'opt', `hello-paks-1.1.0-${B}`);
  await mkdir(prefixA, { recursive: true });
  await mkdir(prefixB, { recursive: true });
  assert.equal(prefixMemory(spack).empty, true);
  await prefixMemory(spack).remember(new Map([[A, prefixA], [B, prefixB]]), { complete: true });
  const memory = prefixMemory(spack);
  assert.equal(memory.empty, false);
  assert.deepEqual(memory.recall([A, B]), new Map([[A, prefixA], [B, prefixB]]));
  assert.equal(memory.recall([A, 'x6jyccnsburr4bfqlcllhg2hs65t2xs6']), undefined, 'a spec it never saw');
  await rm(prefixB, { recursive: true });
  assert.equal(prefixMemory(spack).recall([A, B]), undefined, 'uninstalled: ask Spack again');
  assert.deepEqual(prefixMemory(spack).recall([A]), new Map([[A, prefixA]]));
  // Another configuration (another install tree), a scope Paks adds, or another Spack: nothing known.
  assert.equal(prefixMemory(new SpackRunner(spack.installation, { env: { ...env, SPACK_USER_CONFIG_PATH: join(dir, 'other') } })).empty, true);
  assert.equal(prefixMemory(spack.withScope(join(dir, 'scope'))).empty, true);
  assert.equal(prefixMemory(new SpackRunner({ ...spack.installation, executable: '/usr/bin/spack', root: undefined }, { env })).empty, true);
  // A full listing replaces what was known; a query adds to it.
  await prefixMemory(spack).remember(new Map([[A, prefixA]]), { complete: true });
  const stored = JSON.parse(await readFile(join(dir, 'home', '.cache', 'paks', 'spack-prefixes.json'), 'utf8')) as { spacks: Record<string, { prefixes: object }> };
  assert.deepEqual(Object.values(stored.spacks).map((s) => s.prefixes), [{ [A]: prefixA }]);
});
