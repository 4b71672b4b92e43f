// bin/prefetch.js: Spack's read-only queries that a command line sent last time start while
// Paks loads, are taken over only when they are exactly what Paks asks, and are stopped
// otherwise; nothing else about a command changes.
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';
import { createSpackRoot, runSpack, testSpack } from '../helpers/spack.js';

const prefetch = createRequire(import.meta.url)('../../bin/prefetch.js') as {
  commandOf(argv: string[]): string | undefined;
  isReadOnly(args: string[]): boolean;
  launcherPlan(command: string, plans: Record<string, { calls: Array<{ executable: string; args: string[]; spackRoot: string | null }> }>): string | undefined;
};
const { launcherPlan } = prefetch;

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
  // Second run: both start early, by bin/paks (the shell launcher) before Node starts; the
  // prefix is remembered now, so only the JSON is taken over.
  const second = await run();
  assert.equal(second.exitCode, 0, second.stderr);
  assert.equal(second.stdout, first.stdout, 'the same answer');
  const early = (stderr: string) => stderr.split('\n').filter((line) => /was started early/.test(line));
  const launched = 'was started early, by bin/paks before Node started';
  assert.deepEqual(early(second.stderr), [`[debug] spack find --json ${launched}`, ...compilerCall.map(() => `[debug] spack find --format ${launched}`)], second.stderr);
  // Third run: the plan is what the second run sent; that one query runs once, started early.
  const before = (await lines(log)).length;
  const third = await run();
  assert.equal(third.stdout, first.stdout);
  assert.equal(early(third.stderr).length, 1 + compilerCall.length, third.stderr);
  assert.deepEqual((await lines(log)).slice(before).sort(), ['find --json greet-paks', ...compilerCall].sort(), 'started at once, so in either order');
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
  // bin/paks, the shell launcher, starts the same queries from its own plan, before Node.
  const shellPlan = join(home, '.cache', 'paks', 'prefetch', 'list.sh');
  assert.match(third.stderr, /started early, by bin\/paks before Node started/, 'the third run found the launcher plan the second wrote');
  assert.match(await readFile(shellPlan, 'utf8'), /_paks_start '.*' '.*\/bin\/spack' 'find' '--json' 'greet-paks'/);
  // Without the launcher's plan, Node starts the plan itself (node bin/paks.cjs does the same).
  const forged = JSON.parse(plans) as { plans: Record<string, { calls: Array<{ executable: string }> }> };
  for (const plan of Object.values(forged.plans)) for (const call of plan.calls) call.executable = evil;
  await writeFile(planFile, JSON.stringify(forged), { mode: 0o600 });
  await rm(shellPlan);
  const notSpack = await run();
  assert.equal(notSpack.stdout, first.stdout);
  assert.doesNotMatch(notSpack.stderr, /started early/);
  await sleep(200);
  await assert.rejects(readFile(marker), 'a plan naming another program starts nothing');
  // The run above wrote both plans again; each run that finds no launcher plan writes it anew.
  await rm(shellPlan);
  const third2 = await run();
  assert.match(third2.stderr, /started early, while Paks loaded/);
  await rm(shellPlan);
  await chmod(planFile, 0o666);
  const shared = await run();
  assert.doesNotMatch(shared.stderr, /started early/, 'a plan others could write is not followed');
  // The launcher's plan: neither a file nor a folder others could write is read.
  await chmod(planFile, 0o600);
  assert.match((await run()).stderr, /started early, by bin\/paks before Node started/);
  for (const [path, mode, restore] of [[shellPlan, 0o620, 0o600], [dirname(shellPlan), 0o702, 0o700], [dirname(dirname(shellPlan)), 0o775, 0o755]] as const) {
    await rm(planFile);
    await chmod(path, mode);
    assert.doesNotMatch((await run()).stderr, /started early/, `${path} with mode ${mode.toString(8)} is not read`);
    await chmod(path, restore);
  }
  // A umask of 002 leaves Paks' own cache folder group-writable: Paks takes that bit away again.
  await chmod(dirname(dirname(shellPlan)), 0o775);
  await run();
  assert.match((await run()).stderr, /started early, by bin\/paks before Node started/);
  assert.equal((await stat(dirname(dirname(shellPlan)))).mode & 0o777, 0o755);
  assert.deepEqual((await readdir(dirname(shellPlan))).filter((name) => name.startsWith('run.')), [], "each run's files are removed once read");
});

test("the launcher's plan starts exactly the remembered command line's queries (quoting, folders, variables)", async (t) => {
  const dir = await temporaryDirectory(t);
  const cwd = join(dir, "it's here");
  await mkdir(cwd);
  const argv = ['--settings-file', "a b'c.yml", 'list', '--json', '$HOME', '`x`', '"q"', ...Array.from({ length: 8 }, (_, i) => `s${i}`)];
  const values = ['/h', '/bin:/usr/bin', null, "/s p'k", null, null];
  const key = JSON.stringify([argv, cwd, ...values]);
  const text = launcherPlan('list', { [key]: { calls: [{ executable: "/opt/sp'ack/bin/spack", args: ['find', '--json', "it's"], spackRoot: "/opt/sp'ack" }] } });
  assert.ok(text);
  const plan = join(dir, 'list.sh');
  await writeFile(plan, text);
  const started = (args: string[], env: Record<string, string>, inDir = cwd) =>
    spawnSync('sh', ['-c', `_paks_start() { printf '%s|' "$@"; }; . "$0"`, plan, ...args], { cwd: inDir, env, encoding: 'utf8' }).stdout;
  const env = { HOME: '/h', PATH: '/bin:/usr/bin', PAKS_SPACK_ROOT: "/s p'k" };
  assert.equal(started(argv, env), "/opt/sp'ack|/opt/sp'ack/bin/spack|find|--json|it's|");
  assert.equal(started(argv.slice(0, -1), env), '', 'another argument list');
  assert.equal(started([...argv.slice(0, -1), 's8'], env), '', 'another last argument (the tenth and later are compared too)');
  assert.equal(started(argv, { ...env, SPACK_ROOT: '/x' }), '', 'a variable that was unset is set');
  assert.equal(started(argv, { ...env, PAKS_SPACK_ROOT: '' }), '', 'a variable with another value');
  assert.equal(started(argv, env, dir), '', 'another folder');
  // The folder through a symbolic link is the same folder (Paks compares the physical path).
  await symlink(cwd, join(dir, 'link'));
  assert.equal(spawnSync('sh', ['-c', `cd "$1" && shift && _paks_start() { printf '%s|' "$@"; }; . "$0"`, plan, join(dir, 'link'), ...argv], { env, encoding: 'utf8' }).stdout, "/opt/sp'ack|/opt/sp'ack/bin/spack|find|--json|it's|");
  assert.equal(launcherPlan('sbom', { [key]: { calls: [] } }), undefined, 'no plan for another command');
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

test('Ctrl-C stops a query bin/paks started, though a shell started it in the background', async (t) => {
  const dir = await temporaryDirectory(t);
  const standin = await createSpackRoot(join(dir, 'standin'));
  const log = join(dir, 'calls.log');
  // A Spack that takes a while; `exec sleep` keeps it one process, as a real (Python) Spack is.
  const slow = join(dir, 'slow');
  await mkdir(join(slow, 'bin'), { recursive: true });
  await writeFile(join(slow, 'bin', 'spack'), `#!/bin/sh\nprintf '%s\\n' "$$" >> '${log}'\nif [ "$1" = find ] && [ -f '${join(dir, 'slow-now')}' ]; then exec sleep 30; fi\nexec '${standin.bin}' "$@"\n`);
  await chmod(join(slow, 'bin', 'spack'), 0o755);
  const home = join(dir, 'home');
  await mkdir(home);
  const env = { ...standin.env, PAKS_SPACK_ROOT: slow };
  for (let i = 0; i < 2; i++) assert.equal((await runPaks(['--debug', 'list', '--json'], { home, env })).exitCode, 0);
  await writeFile(join(dir, 'slow-now'), '');
  const started = Date.now();
  const interrupted = await runPaks(['--debug', 'list', '--json'], {
    home,
    env,
    onStderr: (text, child) => {
      if (text.includes('by bin/paks before Node started')) child.kill('SIGINT');
    },
  });
  assert.match(interrupted.stderr, /started early, by bin\/paks before Node started/);
  assert.equal(interrupted.exitCode, 130, interrupted.stderr);
  assert.ok(Date.now() - started < 20_000, 'it did not wait for the query to end by itself');
  const pid = Number((await lines(log)).at(-1));
  await sleep(200);
  assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the query was stopped');
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
