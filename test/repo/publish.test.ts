import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';

const FIX = fileURLToPath(new URL('../fixtures/spack/', import.meta.url));

test('repo publish pushes nothing that the publisher key does not verify, and goes on past a package that fails', async (t) => {
  const home = await temporaryDirectory(t);
  const root = join(home, 'pkgs');
  assert.equal((await runPaks(['repo', 'init', root, '--registry', 'ghcr.io/me/pkgs', '--platform', 'ubuntu-24.04'], { home })).exitCode, 0);
  await mkdir(join(root, 'keys'));
  // The publisher key is the one that signed the recorded signed cache (Spack 0.23, real).
  await cp(join(FIX, 'buildcache-signed', 'pub.key'), join(root, 'keys', 'publisher.asc'));
  const out = join(home, 'artifacts');
  // A build job's unsigned cache that nobody signed, and a cache not named after its build.
  await cp(join(FIX, 'buildcache-unsigned'), join(out, 'a', 'hello-paks-1.1.0-v3txzpg'), { recursive: true });
  await cp(join(FIX, 'buildcache-signed'), join(out, 'b', 'greet-paks-9.9.9-aaaaaaa'), { recursive: true });
  const result = await runPaks(['repo', 'publish', join(out, 'a'), join(out, 'b'), '--repo', root], { home });
  assert.equal(result.exitCode, 1, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 2, result.stdout);
  assert.match(lines[0]!, /^hello-paks-1\.1\.0-v3txzpg: failed \(.*spec\.json is not signed/);
  assert.match(lines[1]!, /^greet-paks-9\.9\.9-aaaaaaa: failed \(.* is not named after a build it holds/);

  const none = await runPaks(['repo', 'publish', join(home, 'pkgs', 'packages'), '--repo', root], { home });
  assert.equal(none.exitCode, 2);
  assert.match(none.stderr, /holds no Spack build cache/);
});

test('repo build: --unsigned needs --output, and --push never goes with --unsigned', async (t) => {
  const home = await temporaryDirectory(t);
  const root = join(home, 'pkgs');
  assert.equal((await runPaks(['repo', 'init', root, '--registry', 'ghcr.io/me/pkgs', '--platform', 'ubuntu-24.04'], { home })).exitCode, 0);
  await mkdir(join(root, 'packages', 'solo'), { recursive: true });
  await writeFile(join(root, 'packages', 'solo', 'package.py'), 'from spack.package import *\n\n\nclass Solo(Package):\n    pass\n');
  const noOutput = await runPaks(['repo', 'build', 'solo', '--unsigned', '--repo', root], { home });
  assert.equal(noOutput.exitCode, 2);
  assert.match(noOutput.stderr, /--unsigned needs --output DIR/);
  const both = await runPaks(['repo', 'build', 'solo', '--unsigned', '--output', join(home, 'out'), '--push', '--repo', root], { home });
  assert.equal(both.exitCode, 2);
  assert.match(both.stderr, /--push and --unsigned cannot be used together/);
});
