// bin/prefetch.js: Spack's read-only queries that a command line sent last time start while
// Paks loads, are taken over only when they are exactly what Paks asks, and are stopped
// otherwise; nothing else about a command changes.
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';
import { createSpackRoot, runSpack, testSpack } from '../helpers/spack.js';

const prefetch = createRequire(import.meta.url)('../../bin/prefetch.js') as {
  commandOf(argv: string[]): string | undefined;
  isReadOnly(args: string[]): boolean;
};

/** A Spack root whose bin/spack logs each call (and, with a delay, waits first) before running the stand-in. */
async function loggedSpack(dir: string, standinBin: string, log: string, delaySeconds = 0): Promise<string> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  const wait = delaySeconds ? `sleep ${delaySeconds}\n` : '';
  await writeFile(join(dir, 'bin', 'spack'), `#!/bin/sh\n${wait}printf '%s\\n' "$*" >> '${log}'\nexec '${standinBin}' "$@"\n`);
  await chmod(join(dir, 'bin', 'spack'), 0o755);
  return dir;
}

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

test('only read-only queries of quick commands are remembered', () => {
  assert.equal(prefetch.commandOf(['--debug', '--spack-root', 'list', 'list', '--json']), 'list');
  assert.equal(prefetch.commandOf(['--settings-file', 'x.yml', 'sbom', 'zlib']), 'sbom');
  assert.equal(prefetch.commandOf(['--debug']), undefined);
  assert.ok(prefetch.isReadOnly(['find', '--json']));
  assert.ok(prefetch.isReadOnly(['--version']));
  for (const args of [['install', 'zlib'], ['uninstall', '-y', 'zlib'], ['-C', '/tmp/scope', 'find'], ['gpg', 'list']]) assert.ok(!prefetch.isReadOnly(args), args.join(' '));
});

test('paks list starts the queries it sent last time while it loads, and takes them over', async (t) => {
  const dir = await temporaryDirectory(t);
  const standin = await createSpackRoot(join(dir, 'standin'));
  assert.equal(runSpack(standin, ['install', 'greet-paks']).code, 0);
  const log = join(dir, 'calls.log');
  const spackRoot = await loggedSpack(join(dir, 'logged'), standin.bin, log);
  const home = join(dir, 'home');
  await mkdir(home);
  const run = () => runPaks(['--debug', 'list', '--json', 'greet-paks'], { home, env: { ...standin.env, PAKS_SPACK_ROOT: spackRoot } });
  const first = await run();
  assert.equal(first.exitCode, 0, first.stderr);
  assert.doesNotMatch(first.stderr, /started early/);
  const sent = await lines(log);
  assert.equal(sent[0], 'find --json greet-paks');
  // Spack 1.x: a query's JSON lacks the compiler node, so `{compiler}` is asked for it too.
  const compilerCall = testSpack.series === '1.1' ? [`find --format {hash} {compiler} /${testSpack.hashes['greet-paks']}`] : [];
  assert.deepEqual(sent, ['find --json greet-paks', 'find --format {hash} {prefix} greet-paks', ...compilerCall], 'nothing remembered yet: JSON and prefixes');
  // Second run: both start early; the prefix is remembered now, so only the JSON is taken over.
  const second = await run();
  assert.equal(second.exitCode, 0, second.stderr);
  assert.equal(second.stdout, first.stdout, 'the same answer');
  const early = (stderr: string) => stderr.split('\n').filter((line) => /was started early/.test(line));
  assert.deepEqual(early(second.stderr), ['[debug] spack find --json was started early, while Paks loaded', ...compilerCall.map(() => '[debug] spack find --format was started early, while Paks loaded')], second.stderr);
  // Third run: the plan is what the second run sent; that one query runs once, started early.
  const before = (await lines(log)).length;
  const third = await run();
  assert.equal(third.stdout, first.stdout);
  assert.equal(early(third.stderr).length, 1 + compilerCall.length, third.stderr);
  assert.deepEqual((await lines(log)).slice(before), ['find --json greet-paks', ...compilerCall]);
  // The plan names the calls, never the environment's values beyond what chooses a Spack.
  const planFile = join(home, '.cache', 'paks', 'spack-prefetch.json');
  const plans = await readFile(planFile, 'utf8');
  assert.match(plans, /"find","--json","greet-paks"/);
  // A plan is a list of programs to start: one that names anything but a spack, or that
  // others could have written, is not followed.
  const marker = join(dir, 'ran');
  const evil = join(dir, 'evil', 'bin', 'touch-it');
  await mkdir(join(dir, 'evil', 'bin'), { recursive: true });
  await writeFile(evil, `#!/bin/sh\ntouch '${marker}'\n`);
  await chmod(evil, 0o755);
  const forged = JSON.parse(plans) as { plans: Record<string, { calls: Array<{ executable: string }> }> };
  for (const plan of Object.values(forged.plans)) for (const call of plan.calls) call.executable = evil;
  await writeFile(planFile, JSON.stringify(forged), { mode: 0o600 });
  const notSpack = await run();
  assert.equal(notSpack.stdout, first.stdout);
  assert.doesNotMatch(notSpack.stderr, /started early/);
  await sleep(200);
  await assert.rejects(readFile(marker), 'a plan naming another program starts nothing');
  const third2 = await run(); // the plan is rewritten by the run above; now make it writable by others
  assert.match(third2.stderr, /started early/);
  await chmod(planFile, 0o666);
  const shared = await run();
  assert.doesNotMatch(shared.stderr, /started early/, 'a plan others could write is not followed');
});

test('a remembered query that no longer fits is stopped unanswered, and Paks asks afresh', async (t) => {
  const dir = await temporaryDirectory(t);
  const standin = await createSpackRoot(join(dir, 'standin'));
  const home = join(dir, 'home');
  const settings = join(home, '.paks', 'settings.yml');
  await mkdir(join(home, '.paks'), { recursive: true });
  const slowLog = join(dir, 'slow.log');
  const slow = await loggedSpack(join(dir, 'slow'), standin.bin, slowLog, 2);
  const fastLog = join(dir, 'fast.log');
  const fast = await loggedSpack(join(dir, 'fast'), standin.bin, fastLog);
  await writeFile(settings, `spack_root: ${slow}\n`);
  // The settings choose the Spack (SPACK_ROOT in the environment would win over them).
  const env = { ...standin.env, SPACK_ROOT: undefined };
  const first = await runPaks(['list', '--json'], { home, env });
  assert.equal(first.exitCode, 0, first.stderr);
  const slowCalls = (await lines(slowLog)).length;
  assert.ok(slowCalls > 0);
  // The settings now name another Spack: what bin/paks starts from the plan is not what Paks asks.
  await writeFile(settings, `spack_root: ${fast}\n`);
  const second = await runPaks(['--debug', 'list', '--json'], { home, env });
  assert.equal(second.exitCode, 0, second.stderr);
  assert.equal(second.stdout, first.stdout);
  assert.doesNotMatch(second.stderr, /started early/);
  assert.ok((await lines(fastLog)).length > 0, 'asked the Spack the settings name');
  await sleep(2500);
  assert.equal((await lines(slowLog)).length, slowCalls, 'the stale queries were stopped before they ran Spack');
  const third = await runPaks(['--debug', 'list', '--json'], { home, env });
  assert.match(third.stderr, /was started early/, 'the plan now names the new Spack');
});

test('a cache folder that cannot be created (under /proc) costs only speed', async (t) => {
  const home = await temporaryDirectory(t);
  const standin = await createSpackRoot(join(home, 'standin'));
  const env = { ...standin.env, PAKS_SPACK_ROOT: standin.root };
  const usual = await runPaks(['list', '--json'], { home, env });
  // Node 20's recursive mkdir never returns for such a path; Paks must not hang on it.
  for (let round = 0; round < 2; round++) {
    const result = await runPaks(['list', '--json'], { home, env: { ...env, XDG_CACHE_HOME: '/proc/paks-test-no-cache' }, timeoutMs: 30_000 });
    assert.deepEqual(result, usual);
  }
});
