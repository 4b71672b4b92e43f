// Starts Spack's read-only queries (`spack find`, `spack --version`) while Paks itself loads.
//
// A real Spack takes ~0.25 s to answer even `spack find` (Python importing Spack), and Paks
// takes ~0.1 s to load before it knows what to ask. For a command line it has run before
// (`paks list --json`), Paks remembers which queries it sent, starts them again first thing
// from bin/paks, and the Spack runner (src/spack/runner.ts) takes a started query over when it
// asks for exactly the same one: same executable, arguments and environment. Anything else
// is asked afresh, and queries nobody took over are stopped when Paks ends. Only commands
// that send read-only queries are remembered, so a guess that turns out wrong costs one
// stopped `spack find` and never changes anything.
//
// The remembered plans live in $XDG_CACHE_HOME/paks (or ~/.cache/paks), keyed by the command
// line, the folder and the variables that choose a Spack; no other variable is stored. Each
// command's plans are also written as a shell file (paks/prefetch/<command>.sh) for bin/paks,
// the shell launcher, which starts them before Node itself starts; this file then adopts what
// the launcher started (PAKS_PREFETCHED). Without the launcher (`node bin/paks.cjs`), this
// file starts the plan itself.
'use strict';

const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const SLOT = Symbol.for('paks.spack-prefetch');
/** Commands whose Spack queries are worth starting early (quick queries, no secrets in argv). */
const COMMANDS = new Set(['list', 'sbom', 'uninstall', 'doctor']);
/** Global options that take a value, so the command name can be found after them. */
const VALUE_OPTIONS = new Set(['--settings-file', '--spack-root']);
/** Variables that decide which Spack runs and how (besides the settings files). */
const KEY_VARIABLES = ['HOME', 'PATH', 'SPACK_ROOT', 'PAKS_SPACK_ROOT', 'PAKS_SETTINGS_FILE', 'XDG_CACHE_HOME'];
const MAX_PLANS = 32;
const MAX_CALLS = 4;
const FORMAT = 1;

function isReadOnly(args) {
  return (args.length === 1 && args[0] === '--version') || args[0] === 'find';
}

function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function cacheFolder(env) {
  return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'paks');
}

function planFile(env) {
  return path.join(cacheFolder(env), 'spack-prefetch.json');
}

/** Where bin/paks reads its shell plans and leaves the output of what it started. */
function launcherFolder(env) {
  // The launcher's own rule: $XDG_CACHE_HOME or $HOME/.cache, no lookup of the home folder.
  return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || '/nonexistent', '.cache'), 'paks', 'prefetch');
}

/**
 * The file's text if this user wrote it and nobody else can (a plan names programs to start):
 * owned by us, not writable by group or others; undefined otherwise.
 */
function readOwnFile(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (!st.isFile() || (typeof process.getuid === 'function' && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return undefined;
    return fs.readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function readPlans(file) {
  try {
    const stored = JSON.parse(readOwnFile(file) ?? '');
    return stored && stored.format === FORMAT && stored.plans && typeof stored.plans === 'object' ? stored.plans : {};
  } catch {
    return {};
  }
}

/** The environment a call runs with: Paks' own, with SPACK_ROOT set to the checkout it found. */
function callEnv(env, spackRoot) {
  return spackRoot ? { ...env, SPACK_ROOT: spackRoot } : { ...env };
}

/** Equal environments; `_` aside when asked (bash, as /bin/sh, sets it to each program it runs). */
function sameEnv(a, b, ignoreUnderscore = false) {
  const keys = Object.keys(a).filter((key) => !(ignoreUnderscore && key === '_'));
  if (keys.length !== Object.keys(b).filter((key) => !(ignoreUnderscore && key === '_')).length) return false;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

/** A started query: its output kept from the first byte, until the runner takes it over. */
function startCall(call, env) {
  const child = spawn(call.executable, call.args, { env: callEnv(env, call.spackRoot), stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = [];
  let listener;
  for (const name of ['stdout', 'stderr']) {
    child[name].on('data', (chunk) => (listener ? listener(name, chunk) : chunks.push([name, chunk])));
  }
  const ended = new Promise((resolve) => {
    let failure;
    child.once('error', (error) => {
      failure = error;
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
    child.once('close', (code, signal) => resolve(failure ? { code, signal, error: failure } : { code, signal }));
  });
  return {
    call,
    child,
    ended,
    listen(onChunk) {
      for (const [name, chunk] of chunks.splice(0)) onChunk(name, chunk);
      listener = onChunk;
    },
  };
}

/** Only a Spack (an absolute path to an executable named spack) asking something read-only is started. */
function isPlannable(call) {
  if (typeof call?.executable !== 'string' || !path.isAbsolute(call.executable) || path.basename(call.executable) !== 'spack') return false;
  return Array.isArray(call.args) && call.args.every((arg) => typeof arg === 'string') && isReadOnly(call.args);
}

const RUN_FILES = ['args', 'out', 'err', 'pid', 'status'];

/** Reads a file the launcher writes, waiting up to `ms` for it to appear with a whole last line. */
function readLine(file, ms) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (text.endsWith('\n')) return text;
    } catch {}
    if (Date.now() >= until) return undefined;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  }
}

/**
 * A query bin/paks started before Node did (`run` is the path its files start with), made to
 * look like one started here: its output arrives once it has ended, from the files it wrote.
 */
function adoptRun(run) {
  // What runs, read when the runner first asks (by then the launcher has long written it).
  let call;
  const readCall = () => {
    if (call === undefined) {
      const args = readLine(`${run}.args`, 200)?.slice(0, -1).split('\n');
      call = args && args.length >= 2 ? { spackRoot: args[0] || null, executable: args[1], args: args.slice(2) } : null;
    }
    return call ?? undefined;
  };
  const child = new EventEmitter();
  child.exitCode = null;
  child.signalCode = null;
  const pid = () => {
    const text = readLine(`${run}.pid`, 200);
    const value = text ? Number(text) : NaN;
    return Number.isInteger(value) && value > 1 ? value : undefined;
  };
  Object.defineProperty(child, 'pid', { get: pid });
  child.kill = (signal = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const target = pid();
    if (!target) return false;
    try {
      // A query started in the background by a shell ignores SIGINT: stop it with SIGTERM.
      process.kill(target, signal === 'SIGINT' ? 'SIGTERM' : signal);
      return true;
    } catch {
      return false;
    }
  };
  const chunks = [];
  let listener;
  let watcher;
  let timer;
  const ended = new Promise((resolve) => {
    const check = () => {
      let status;
      try {
        status = fs.readFileSync(`${run}.status`, 'utf8');
      } catch {
        return;
      }
      if (!status.endsWith('\n')) return;
      watcher?.close();
      clearInterval(timer);
      for (const name of ['stdout', 'stderr']) {
        let bytes;
        try {
          bytes = fs.readFileSync(`${run}.${name === 'stdout' ? 'out' : 'err'}`);
        } catch {
          bytes = Buffer.alloc(0);
        }
        if (bytes.length) (listener ? listener(name, bytes) : chunks.push([name, bytes]));
      }
      readCall(); // before its file goes
      removeRun(run);
      // The shell reports a process ended by signal N as 128 + N.
      const code = Number(status);
      const signal = code > 128 ? Object.keys(os.constants.signals).find((name) => os.constants.signals[name] === code - 128) : undefined;
      if (signal) child.signalCode = signal;
      else child.exitCode = Number.isInteger(code) ? code : 1;
      child.emit('exit', child.exitCode, child.signalCode);
      resolve(signal ? { code: null, signal } : { code: child.exitCode, signal: null });
    };
    try {
      watcher = fs.watch(path.dirname(run), (_event, name) => {
        if (!name || name === `${path.basename(run)}.status`) check();
      });
      watcher.on('error', () => {});
    } catch {}
    // In case the watcher misses the file (or there is none), look now and then as well.
    timer = setInterval(check, watcher ? 100 : 5);
    // Waiting keeps Paks running only once the runner has taken the query over (listen).
    watcher?.unref();
    timer.unref();
    check();
  });
  return {
    get call() {
      return readCall();
    },
    child,
    ended,
    adopted: true,
    /** Not taken: stopped, and its files removed (the launcher then writes no status). */
    discard() {
      child.kill('SIGTERM');
      watcher?.close();
      clearInterval(timer);
      removeRun(run);
    },
    listen(onChunk) {
      for (const [name, chunk] of chunks.splice(0)) onChunk(name, chunk);
      listener = onChunk;
      if (child.exitCode === null && child.signalCode === null) {
        watcher?.ref();
        timer?.ref();
      }
    },
  };
}

function removeRun(run) {
  for (const suffix of RUN_FILES) {
    try {
      fs.rmSync(`${run}.${suffix}`, { force: true });
    } catch {}
  }
}

/**
 * The queries bin/paks started (PAKS_PREFETCHED, removed from the environment here so nothing
 * Paks runs inherits it). Only this process's own runs are taken: the launcher names them
 * run.<its pid>.<n>, and exec keeps the pid.
 */
function adoptLaunched(env) {
  const listed = env.PAKS_PREFETCHED;
  if (listed === undefined) return [];
  delete env.PAKS_PREFETCHED;
  const folder = launcherFolder(env);
  const own = new RegExp(`^run\\.${process.pid}\\.[0-9]+$`);
  return listed
    .split('\n')
    .filter((run) => run && path.dirname(run) === folder && own.test(path.basename(run)))
    .map(adoptRun);
}

/**
 * Called by bin/paks.cjs before it loads the CLI: adopts the queries bin/paks started, or
 * starts those remembered for this command line itself, and puts the slot the Spack runner
 * looks in on globalThis.
 */
function start(argv, env) {
  const launched = adoptLaunched(env);
  const command = commandOf(argv);
  if (!COMMANDS.has(command)) {
    for (const run of launched) run.discard();
    return undefined;
  }
  const file = planFile(env);
  const key = JSON.stringify([argv, process.cwd(), ...KEY_VARIABLES.map((name) => env[name] ?? null)]);
  const plans = readPlans(file);
  const planned = Array.isArray(plans[key]?.calls) ? plans[key].calls : [];
  const started = launched;
  if (launched.length === 0) {
    for (const call of planned) {
      if (!isPlannable(call)) continue;
      try {
        started.push(startCall(call, env));
      } catch {
        // A plan that cannot start is asked afresh by the runner.
      }
    }
  }
  const sent = [];
  const slot = {
    /** The runner: a started query for exactly this call, or undefined. */
    take(executable, args, spackRoot, runEnv) {
      const at = started.findIndex(
        (s) =>
          s.call !== undefined &&
          s.call.executable === executable &&
          s.call.args.length === args.length &&
          s.call.args.every((arg, i) => arg === args[i]) &&
          (s.call.spackRoot ?? null) === (spackRoot ?? null) &&
          sameEnv(callEnv(env, spackRoot), runEnv, s.adopted),
      );
      return at < 0 ? undefined : started.splice(at, 1)[0];
    },
    /** The runner: every call it sends, to remember for next time. */
    record(executable, args, spackRoot, runEnv) {
      sent.push({ executable, args: [...args], spackRoot: spackRoot ?? null, fits: sameEnv(callEnv(env, spackRoot), runEnv) });
    },
  };
  globalThis[SLOT] = slot;
  const stopLeftovers = () => {
    for (const s of started.splice(0)) {
      if (s.adopted) s.discard();
      else if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
    }
  };
  process.once('exit', stopLeftovers);
  return {
    /** After the command: stops queries nobody took and remembers what was sent, if that changed. */
    finish() {
      stopLeftovers();
      const calls = [];
      for (const c of sent) {
        if (!c.fits || !isReadOnly(c.args)) break;
        calls.push({ executable: c.executable, args: c.args, spackRoot: c.spackRoot });
        if (calls.length === MAX_CALLS) break;
      }
      sweepRuns(launcherFolder(env));
      tightenFolders(launcherFolder(env));
      if (JSON.stringify(calls) === JSON.stringify(planned) && fs.existsSync(path.join(launcherFolder(env), `${command}.sh`))) return;
      const kept = writePlan(file, plans, key, calls);
      // Every command's shell plan, so none keeps a command line the JSON plans dropped.
      if (kept) for (const name of COMMANDS) writeLauncherPlan(launcherFolder(env), name, kept);
    },
  };
}

/** Writes the plans with this one updated; returns what was written (undefined when it could not be). */
function writePlan(file, plans, key, calls) {
  const next = { ...plans };
  delete next[key];
  if (calls.length) next[key] = { calls, at: Date.now() };
  const keys = Object.keys(next).sort((a, b) => (next[b].at ?? 0) - (next[a].at ?? 0));
  const kept = Object.fromEntries(keys.slice(0, MAX_PLANS).map((k) => [k, next[k]]));
  return writeOwnFile(file, `${JSON.stringify({ format: FORMAT, plans: kept })}\n`) ? kept : undefined;
}

/** Writes a file only this user can read, whole or not at all; false when it cannot. */
function writeOwnFile(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    makeFolders(path.dirname(file));
    fs.writeFileSync(temp, text, { mode: 0o600 });
    fs.renameSync(temp, file);
    return true;
  } catch {
    // A cache folder that cannot be written only costs speed.
    try {
      fs.rmSync(temp, { force: true });
    } catch {}
    return false;
  }
}

/** A word for the shell: single-quoted, with each ' written as '\''. */
function shellWord(text) {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * The shell file bin/paks sources for `command`: for each remembered command line of it, a
 * test of the arguments, the folder and the variables that choose a Spack (the plan's key),
 * and the queries to start when they all match. Quoted words only; nothing is evaluated.
 */
function launcherPlan(command, plans) {
  const branches = [];
  for (const [key, plan] of Object.entries(plans)) {
    let parsed;
    try {
      parsed = JSON.parse(key);
    } catch {
      continue;
    }
    const [argv, cwd, ...values] = parsed;
    if (!Array.isArray(argv) || commandOf(argv) !== command || typeof cwd !== 'string' || values.length !== KEY_VARIABLES.length) continue;
    // One argument per line in the run's .args file: a newline cannot be in one.
    const calls = (plan?.calls ?? []).filter((call) => isPlannable(call) && ![call.executable, call.spackRoot ?? '', ...call.args].some((word) => word.includes('\n')));
    if (calls.length === 0) continue;
    const tests = [`[ "$#" -eq ${argv.length} ]`, ...argv.map((arg, i) => `[ "\${${i + 1}}" = ${shellWord(arg)} ]`), `_paks_in ${shellWord(cwd)}`];
    KEY_VARIABLES.forEach((name, i) => {
      const value = values[i];
      tests.push(value === null ? `[ -z "\${${name}+x}" ]` : `[ "\${${name}+x}" = x ] && [ "$${name}" = ${shellWord(String(value))} ]`);
    });
    const starts = calls.map((call) => `  _paks_start ${[call.spackRoot ?? '', call.executable, ...call.args].map(shellWord).join(' ')}`);
    branches.push(`${branches.length ? 'elif' : 'if'} ${tests.join(' && ')}; then\n${starts.join('\n')}`);
  }
  if (branches.length === 0) return undefined;
  return [
    `# Written by Paks (bin/prefetch.js) from the Spack queries \`paks ${command}\` sent; read by bin/paks.`,
    '# Each branch: one command line, its folder and the variables that choose a Spack.',
    '_paks_cwd=',
    '_paks_in() { [ "$PWD" = "$1" ] || [ "${_paks_cwd:=$(pwd -P)}" = "$1" ]; }',
    ...branches,
    'fi',
    '',
  ].join('\n');
}

function writeLauncherPlan(folder, command, plans) {
  const text = launcherPlan(command, plans);
  const file = path.join(folder, `${command}.sh`);
  if (text === undefined) {
    try {
      fs.rmSync(file, { force: true });
    } catch {}
    return;
  }
  try {
    makeFolders(path.dirname(folder));
    fs.mkdirSync(folder, { mode: 0o700 });
  } catch {}
  writeOwnFile(file, text);
}

/**
 * bin/paks reads its plans only from folders no one else can write to; a umask of 002 makes
 * Paks' own cache folders group-writable, so they lose that write bit here.
 */
function tightenFolders(folder) {
  for (const dir of [path.dirname(folder), folder]) {
    try {
      const st = fs.statSync(dir);
      if (st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) !== 0) fs.chmodSync(dir, st.mode & 0o7755);
    } catch {}
  }
}

/** Removes the files of runs that no one read (Paks stopped them, or ended first), after a minute. */
function sweepRuns(folder) {
  let names;
  try {
    names = fs.readdirSync(folder);
  } catch {
    return;
  }
  const old = Date.now() - 60_000;
  for (const name of names) {
    if (!name.startsWith('run.')) continue;
    try {
      const file = path.join(folder, name);
      if (fs.statSync(file).mtimeMs < old) fs.rmSync(file, { force: true });
    } catch {}
  }
}

/** `mkdir -p` without Node's recursive mode, which never returns for a path under /proc. */
function makeFolders(dir) {
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if (error.code === 'EEXIST') return;
    if (error.code !== 'ENOENT' || path.dirname(dir) === dir) throw error;
    makeFolders(path.dirname(dir));
    try {
      fs.mkdirSync(dir);
    } catch (again) {
      if (again.code !== 'EEXIST') throw again;
    }
  }
}

module.exports = { start, commandOf, isReadOnly, readOwnFile, launcherPlan };
