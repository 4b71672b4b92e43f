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
// line, the folder and the variables that choose a Spack; no other variable is stored.
'use strict';

const { spawn } = require('node:child_process');
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

function planFile(env) {
  return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'paks', 'spack-prefetch.json');
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

function sameEnv(a, b) {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
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

/**
 * Called by bin/paks before it loads the CLI: starts the queries remembered for this command
 * line and puts the slot the Spack runner looks in on globalThis.
 */
function start(argv, env) {
  const command = commandOf(argv);
  if (!COMMANDS.has(command)) return undefined;
  const file = planFile(env);
  const key = JSON.stringify([argv, process.cwd(), ...KEY_VARIABLES.map((name) => env[name] ?? null)]);
  const plans = readPlans(file);
  const planned = Array.isArray(plans[key]?.calls) ? plans[key].calls : [];
  const started = [];
  for (const call of planned) {
    // Only a Spack (an absolute path to an executable named spack) asked something read-only.
    if (typeof call?.executable !== 'string' || !path.isAbsolute(call.executable) || path.basename(call.executable) !== 'spack') continue;
    if (!Array.isArray(call.args) || !call.args.every((arg) => typeof arg === 'string') || !isReadOnly(call.args)) continue;
    try {
      started.push(startCall(call, env));
    } catch {
      // A plan that cannot start is asked afresh by the runner.
    }
  }
  const sent = [];
  const slot = {
    /** The runner: a started query for exactly this call, or undefined. */
    take(executable, args, spackRoot, runEnv) {
      const at = started.findIndex(
        (s) =>
          s.call.executable === executable &&
          s.call.args.length === args.length &&
          s.call.args.every((arg, i) => arg === args[i]) &&
          (s.call.spackRoot ?? null) === (spackRoot ?? null) &&
          sameEnv(callEnv(env, spackRoot), runEnv),
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
    for (const s of started.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
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
      if (JSON.stringify(calls) === JSON.stringify(planned)) return;
      writePlan(file, plans, key, calls);
    },
  };
}

function writePlan(file, plans, key, calls) {
  const next = { ...plans };
  delete next[key];
  if (calls.length) next[key] = { calls, at: Date.now() };
  const keys = Object.keys(next).sort((a, b) => (next[b].at ?? 0) - (next[a].at ?? 0));
  const kept = Object.fromEntries(keys.slice(0, MAX_PLANS).map((k) => [k, next[k]]));
  const temp = `${file}.${process.pid}.tmp`;
  try {
    makeFolders(path.dirname(file));
    fs.writeFileSync(temp, `${JSON.stringify({ format: FORMAT, plans: kept })}\n`, { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    // A cache folder that cannot be written only costs speed.
    try {
      fs.rmSync(temp, { force: true });
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

module.exports = { start, commandOf, isReadOnly, readOwnFile };
