/**
 * Start-up benchmark: how long the CLI takes before and around the work it hands to Spack.
 *   node --import tsx bench/start.ts [--rounds 21] [--no-build] [--spack-ms 250,960] [--clean-node-env]
 *   PAKS_BENCH_SPACK_ROOT=/path/to/spack node --import tsx bench/start.ts   # beside a real Spack
 * Side by side in one run, rounds interleaved in a shuffled order (the machine is shared), median of each:
 *   - `paks --version` and `paks --help` against `node -e 0`;
 *   - `paks list --json` against `spack find --json`, for each Spack: the test stand-in (a
 *     Node script, so about as slow to start as Paks), an instant Spack (replays what the
 *     stand-in printed for the same command lines: what is left is Paks' own overhead), a
 *     Spack as slow as a real one (the instant Spack after a CPU-bound wait of --spack-ms,
 *     250 ms by default: issue 13's median for Spack 0.23's `find --json`; two calls at once
 *     then compete for the two cores as real ones do; a list such as 250,960 gives a row for
 *     each: 960 ms is what issue 21 measured for a real Spack 0.23), and a real Spack when
 *     PAKS_BENCH_SPACK_ROOT names one.
 *   - --clean-node-env runs every command without NODE_OPTIONS and NODE_EXTRA_CA_CERTS (a CA
 *     file makes every Node start read it: ~70 ms on the project machine). The header says
 *     which of them the measured commands had.
 * Writes a table to stdout and the raw figures to bench/results/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSpackRoot, runSpack } from '../test/helpers/spack.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 21;
const PAKS = join(root, 'bin', 'paks');
const spackMsArg = process.argv.indexOf('--spack-ms');
/** How long each simulated Spack takes per command, CPU-bound (Python's start included). */
const SPACK_MS = spackMsArg > 0 ? process.argv[spackMsArg + 1]!.split(',').map(Number) : [250];
if (SPACK_MS.some((ms) => !(ms > 0))) throw new Error('--spack-ms takes milliseconds, e.g. 250 or 250,960');
/** Variables that change how long any Node program takes to start, whatever it runs. */
const NODE_START_VARIABLES = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];
const CLEAN_NODE_ENV = process.argv.includes('--clean-node-env');
const baseEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  if (CLEAN_NODE_ENV) for (const name of NODE_START_VARIABLES) delete env[name];
  return env;
};

interface Case {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

interface Sample {
  wall: number;
  /** User + system CPU seconds of the process and the children it waited for (Spack). */
  cpu: number;
}

/**
 * Runs a command and reports its wall time and the CPU time of it and the children it waited
 * for (Spack), both taken by a small Python parent (os.wait4) so Node's own spawn is not counted.
 */
const MEASURE = `import os, sys, time
out = sys.argv[1]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
open(out, "w").write(f"{wall} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
`;

function time(c: Case, home: string, scratch: string): Sample {
  const report = join(scratch, 'sample.txt');
  const run = spawnSync('python3', ['-c', MEASURE, report, c.command, ...c.args], {
    env: { ...baseEnv(), HOME: home, CI: 'true', ...c.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (run.status !== 0) throw new Error(`${c.name} failed (exit ${run.status}): ${run.stderr}`);
  const [wall = 0, cpu = 0] = readFileSync(report, 'utf8').trim().split(' ').map(Number);
  return { wall, cpu };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * A Spack that answers at once: for each command line Paks sends, what the stand-in printed.
 * Command lines are recorded by running Paks once against a recording wrapper.
 */
function instantSpack(dir: string, standinRoot: string, standinEnv: Record<string, string>, home: string): string {
  const answers = join(dir, 'answers');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(answers, { recursive: true });
  // The build tree is asked through a temporary scope (`-C /tmp/paks-scope-…`), another folder each run.
  const scope = join(dir, 'build-tree-scope');
  mkdirSync(scope, { recursive: true });
  writeFileSync(join(scope, 'config.yaml'), 'config:\n  install_tree:\n    padded_length: 128\n');
  const scoped = (args: string[]) => args.map((arg) => (/\/paks-scope-[^/]*$/.test(arg) ? 'SCOPE' : arg));
  const key = (args: string[]) => createHash('sha256').update(`${scoped(args).join('\n')}\n`).digest('hex');
  const record = (args: string[]) => {
    const out = execFileSync(join(standinRoot, 'bin', 'spack'), scoped(args).map((arg) => (arg === 'SCOPE' ? scope : arg)), { env: { ...process.env, ...standinEnv } });
    writeFileSync(join(answers, key(args)), out);
  };
  // Every command line Paks sends for `list --json`, found by running it against a recorder.
  const log = join(dir, 'calls.log');
  const recorder = join(dir, 'recorder', 'bin', 'spack');
  mkdirSync(join(dir, 'recorder', 'bin'), { recursive: true });
  writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\0' "$@" >> '${log}'; printf '\\n' >> '${log}'\nexec '${join(standinRoot, 'bin', 'spack')}' "$@"\n`);
  chmodSync(recorder, 0o755);
  execFileSync(PAKS, ['list', '--json'], { env: { ...process.env, ...standinEnv, HOME: home, PAKS_SPACK_ROOT: join(dir, 'recorder') }, stdio: 'ignore' });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => line.split('\0').slice(0, -1));
  for (const args of [...calls, ['find', '--json']]) record(args);
  writeFileSync(
    join(dir, 'bin', 'spack'),
    `#!/bin/sh\nkey=$(printf '%s\\n' "$@" | sed 's|^.*/paks-scope-[^/]*$|SCOPE|' | sha256sum | cut -d' ' -f1)\nexec cat '${answers}'/"$key"\n`,
  );
  chmodSync(join(dir, 'bin', 'spack'), 0o755);
  return String(calls.length);
}

/**
 * The instant Spack's answers after spackMs of CPU-bound work in Python (what a real Spack
 * spends importing itself and reading its database), so two calls at once compete for the
 * cores with each other and with Paks as real ones would.
 */
function simulatedSpack(dir: string, instant: string, home: string, spackMs: number): void {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const busy = `import time, sys\nend = time.process_time() + float(sys.argv[1])\nwhile time.process_time() < end: pass\n`;
  // The interpreter itself, not a version manager's shim (whose speed depends on HOME).
  const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  const write = (seconds: number) => {
    writeFileSync(join(dir, 'bin', 'spack'), `#!/bin/sh\n'${python}' -c '${busy}' ${seconds.toFixed(3)}\nexec '${join(instant, 'bin', 'spack')}' "$@"\n`);
    chmodSync(join(dir, 'bin', 'spack'), 0o755);
  };
  // Calibrated with the same timing as the benchmark itself, so the whole call (the shell,
  // Python's start, the burn and the replay) takes spackMs when run alone.
  let burn = spackMs / 1000;
  for (let attempt = 0; attempt < 3; attempt++) {
    write(burn);
    const took = median(Array.from({ length: 5 }, () => time({ name: 'calibrate', command: join(dir, 'bin', 'spack'), args: ['find', '--json'] }, home, dir).wall));
    burn = Math.max(0, burn + spackMs / 1000 - took);
  }
  write(burn);
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  if (!process.argv.includes('--no-build')) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const work = mkdtempSync(join(tmpdir(), 'paks-bench-start-'));
  try {
    const home = join(work, 'home');
    mkdirSync(home);
    // The stand-in with greet-paks and its dependencies installed (five specs, two external).
    const standin = await createSpackRoot(join(work, 'standin'));
    const install = runSpack(standin, ['install', 'greet-paks']);
    if (install.code !== 0) throw new Error(`stand-in install failed: ${install.stderr}`);
    const standinEnv = { ...standin.env };
    const instant = join(work, 'instant');
    const paksCalls = instantSpack(instant, standin.root, standinEnv, home);
    const simulated = SPACK_MS.map((ms): [number, string] => [ms, join(work, `simulated-${ms}`)]);
    for (const [ms, dir] of simulated) simulatedSpack(dir, instant, home, ms);

    // The same CLI from tsc's dist/ (one file per module, as before the bundle), for comparison.
    const unbundled = (...args: string[]) => [
      '--input-type=module',
      '-e',
      `const { main } = await import(${JSON.stringify(join(root, 'dist', 'cli', 'main.js'))}); process.exitCode = await main(['node', 'paks', ...${JSON.stringify(args)}]);`,
    ];
    const cases: Case[] = [
      { name: 'node -e 0', command: process.execPath, args: ['-e', '0'] },
      { name: 'paks --version', command: PAKS, args: ['--version'] },
      { name: 'paks --help', command: PAKS, args: ['--help'] },
      { name: 'paks --version (unbundled)', command: process.execPath, args: unbundled('--version') },
      { name: 'paks --help (unbundled)', command: process.execPath, args: unbundled('--help') },
    ];
    const spacks: Array<[string, string, Record<string, string>]> = [
      ['stand-in', standin.root, standinEnv],
      ['instant', instant, {}],
      ...simulated.map(([ms, dir]): [string, string, Record<string, string>] => [`simulated ${ms} ms`, dir, {}]),
    ];
    if (process.env.PAKS_BENCH_SPACK_ROOT) spacks.push(['real', process.env.PAKS_BENCH_SPACK_ROOT, {}]);
    // Nothing remembered: no settings snapshot (a cache folder
    // that cannot be created), as on the first run after installing Paks.
    const forgetful = { XDG_CACHE_HOME: '/proc/paks-bench-no-cache' };
    // The snapshot is keyed on the PAKS_ variables (PAKS_SPACK_ROOT among them) and on Paks'
    // own code: rows sharing one cache folder would each find the other's and read the
    // settings files again, as on a first run. A user has one Spack and one Paks: one folder per row.
    const ownCache = (row: string) => ({ XDG_CACHE_HOME: join(work, 'cache', createHash('sha256').update(row).digest('hex').slice(0, 12)) });
    for (const [label, spackRoot, env] of spacks) {
      cases.push(
        { name: `spack find --json (${label})`, command: join(spackRoot, 'bin', 'spack'), args: ['find', '--json'], env: { ...env, SPACK_ROOT: spackRoot } },
        { name: `paks list --json (${label})`, command: PAKS, args: ['list', '--json'], env: { ...env, ...ownCache(`${label}`), PAKS_SPACK_ROOT: spackRoot } },
        { name: `paks list --json (${label}, first run)`, command: PAKS, args: ['list', '--json'], env: { ...env, ...forgetful, PAKS_SPACK_ROOT: spackRoot } },
        { name: `paks list --json (${label}, unbundled)`, command: process.execPath, args: unbundled('list', '--json'), env: { ...env, ...ownCache(`${label}, unbundled`), PAKS_SPACK_ROOT: spackRoot } },
      );
    }
    const samples: Record<string, Sample[]> = {};
    for (const c of cases) time(c, home, work); // warm the page cache
    // Each round in another order (a fixed shuffle): a run right after a given other one can be
    // faster or slower (the first `paks list` after the instant Spack was ~25 ms slower, which
    // ever variant it was), and that must not always fall on the same row.
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let round = 0; round < ROUNDS; round++) {
      const order = [...cases];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const c of order) (samples[c.name] ??= []).push(time(c, home, work));
    }
    const wall = (name: string) => median(samples[name]!.map((s) => s.wall));
    const cpu = (name: string) => median(samples[name]!.map((s) => s.cpu));
    const row = (label: string, name: string, base: string | null, target = '') =>
      `| ${label} | ${ms(wall(name))} | ${base ? `${ratio(wall(name), wall(base))}×` : '1'} | ${ms(cpu(name))} | ${base ? `${ratio(cpu(name), cpu(base))}×` : '1'} | ${target} |`;
    const rows: string[] = [
      '| run | wall (median) | wall ratio | CPU (median) | CPU ratio | target |',
      '| --- | --- | --- | --- | --- | --- |',
      row('node -e 0', 'node -e 0', null),
      row('paks --version', 'paks --version', 'node -e 0', '≤ 1.25×'),
      row('paks --help', 'paks --help', 'node -e 0', '≤ 1.25×'),
      row('paks --version, unbundled', 'paks --version (unbundled)', 'node -e 0'),
      row('paks --help, unbundled', 'paks --help (unbundled)', 'node -e 0'),
    ];
    for (const [label] of spacks) {
      const base = `spack find --json (${label})`;
      rows.push(
        row(`spack find --json (${label} Spack)`, base, null),
        row(`paks list --json (${label} Spack)`, `paks list --json (${label})`, base, '≤ 1.5×'),
        row(`paks list --json (${label} Spack), first run`, `paks list --json (${label}, first run)`, base),
        row(`paks list --json (${label} Spack), unbundled`, `paks list --json (${label}, unbundled)`, base),
      );
    }
    const overheadWall = wall('paks list --json (instant)') - wall('spack find --json (instant)');
    const overheadCpu = cpu('paks list --json (instant)') - cpu('spack find --json (instant)');
    // On an idle machine Paks' own work is CPU-bound, so its CPU time is what it adds to a real Spack's.
    rows.push(
      '',
      `Paks' own work around its Spack calls (instant Spack): ${ms(overheadWall)} wall, ${ms(overheadCpu)} CPU. ` +
        `Beside a real Spack whose \`find --json\` takes 250 ms (Spack 0.23 in issue 13's measurement), that projects to ${ratio(0.25 + overheadCpu, 0.25)}× ` +
        `(measure it with PAKS_BENCH_SPACK_ROOT).`,
    );
    const startVariables = NODE_START_VARIABLES.filter((name) => baseEnv()[name] !== undefined);
    const summary = [
      `Start-up, median of ${ROUNDS} interleaved, shuffled rounds (Node ${process.version}, ${new Date().toISOString().slice(0, 10)}); Paks runs ${paksCalls} Spack command(s) for list --json.`,
      `Load average (1, 5, 15 min) at the start ${loadAtStart.map((x) => x.toFixed(2)).join(', ')}, at the end ${loadavg().map((x) => x.toFixed(2)).join(', ')}; ${new Date().toISOString()}.`,
      `Node ran with ${startVariables.length ? startVariables.join(' and ') : `neither ${NODE_START_VARIABLES.join(' nor ')}`} set${CLEAN_NODE_ENV ? ' (--clean-node-env)' : ''}.`,
      '',
      ...rows,
    ].join('\n');
    console.log(summary);
    const results = join(root, 'bench', 'results');
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, `start-${Date.now()}.json`), JSON.stringify({ rounds: ROUNDS, node: process.version, spackMs: SPACK_MS, nodeStartVariables: startVariables, samples }, null, 2));
  } finally {
    if (!process.env.PAKS_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`;
const ratio = (a: number, b: number) => (a / b).toFixed(2);

await main();
