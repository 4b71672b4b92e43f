import { spawn, type ChildProcess } from 'node:child_process';
import type { Reporter } from '../ui/reporter.js';
import { PaksError } from '../errors.js';
import { spackCommandError } from './errors.js';
import type { SpackInstallation } from './locate.js';
import { dialectOf, type SpackDialect } from './dialect/index.js';

interface SpackEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
}

/** A running Spack: its output from the first byte, and how it ended. */
interface StartedSpack {
  child: ChildProcess;
  ended: Promise<SpackEnd>;
  listen(onChunk: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): void;
}

// node:child_process rather than execa: this runs before every Spack command, and loading
// execa (~110 KB bundled) cost ~15 ms of start-up on each (bench/start.ts).
function startSpack(executable: string, args: readonly string[], env: NodeJS.ProcessEnv): StartedSpack {
  const child = spawn(executable, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let listener: ((stream: 'stdout' | 'stderr', chunk: Buffer) => void) | undefined;
  for (const name of ['stdout', 'stderr'] as const) child[name].on('data', (chunk: Buffer) => listener?.(name, chunk));
  const ended = new Promise<SpackEnd>((resolve) => {
    let failure: NodeJS.ErrnoException | undefined;
    child.once('error', (error: NodeJS.ErrnoException) => {
      failure = error;
      // A process that never started has no 'close' to wait for.
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
    child.once('close', (code, signal) => resolve({ code, signal, ...(failure ? { error: failure } : {}) }));
  });
  return {
    child,
    ended,
    listen(onChunk) {
      listener = onChunk;
    },
  };
}

/** `spack --version` is asked once per installation, whichever runner (scope) asks. */
const dialects = new WeakMap<SpackInstallation, Promise<SpackDialect>>();
import { Interrupted, interruptedBy, stopOnInterrupt } from '../interruption.js';

export interface SpackRunOptions {
  /** Show Spack's lines as they come (long operations). */
  live?: boolean;
  /** Called for every stdout/stderr line (for progress parsing). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** What Paks was doing, for the error sentence ("install zlib"). */
  doing?: string;
  /** Return the failure instead of throwing. */
  allowFailure?: boolean;
}

export interface SpackResult {
  args: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SpackRunnerOptions {
  env?: NodeJS.ProcessEnv;
  reporter?: Reporter;
  /** Extra configuration scopes (`spack -C DIR`), highest precedence last. */
  scopes?: readonly string[];
}

/**
 * The one place that runs Spack. Arguments go to Spack as an array (no shell), and every
 * spec string is checked so it cannot be read as an option.
 */
export class SpackRunner {
  readonly installation: SpackInstallation;
  private readonly options: SpackRunnerOptions;

  constructor(installation: SpackInstallation, options: SpackRunnerOptions = {}) {
    this.installation = installation;
    this.options = options;
  }

  /** A runner that adds a configuration scope (for temporary mirrors and repos). */
  withScope(dir: string): SpackRunner {
    return new SpackRunner(this.installation, { ...this.options, scopes: [...(this.options.scopes ?? []), dir] });
  }

  /** Which Spack this is (`spack --version`, asked once and kept with the installation). */
  dialect(): Promise<SpackDialect> {
    let known = dialects.get(this.installation);
    if (!known) {
      known = this.run(['--version'], { doing: 'tell its version' }).then((result) => dialectOf(result.stdout));
      known.catch(() => dialects.delete(this.installation));
      dialects.set(this.installation, known);
    }
    return known;
  }

  /** The environment Spack runs with (before SPACK_ROOT is set). */
  get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  get scopes(): readonly string[] {
    return this.options.scopes ?? [];
  }

  async run(args: readonly string[], runOptions: SpackRunOptions = {}): Promise<SpackResult> {
    const stopped = interruptedBy();
    if (stopped) throw new Interrupted(stopped);
    const fullArgs = [...this.scopes.flatMap((dir) => ['-C', dir]), ...args];
    const reporter = this.options.reporter;
    reporter?.debug(`running: ${this.installation.executable} ${fullArgs.join(' ')}`);
    const env = { ...(this.options.env ?? process.env) };
    if (this.installation.root) env.SPACK_ROOT = this.installation.root;
    const started = startSpack(this.installation.executable, fullArgs, env);
    const output = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const pending = { stdout: '', stderr: '' };
    started.listen((name, chunk) => {
      output[name].push(chunk);
      if (!runOptions.live && !runOptions.onLine) return;
      pending[name] += chunk.toString('utf8');
      let at;
      while ((at = pending[name].indexOf('\n')) >= 0) {
        const line = pending[name].slice(0, at);
        pending[name] = pending[name].slice(at + 1);
        runOptions.onLine?.(line, name);
        // Spack's progress is on stdout; its stderr (errors, gpg chatter) goes into the error message.
        if (runOptions.live && name === 'stdout' && line.trim()) reporter?.info(line);
        else if (name === 'stderr' && line.trim()) reporter?.debug(line);
      }
    });
    const { child } = started;
    const startedAt = Date.now();
    const forget = stopOnInterrupt(child);
    const ended = await started.ended.finally(forget);
    const signal = interruptedBy();
    if (signal) throw new Interrupted(signal);
    reporter?.debug(`spack ${args.slice(0, 2).join(' ')} finished in ${Date.now() - startedAt} ms (exit ${ended.code ?? ended.signal})`);
    if (ended.error && child.pid === undefined) {
      const reason = ended.error.code === 'ENOENT' ? 'the file does not exist' : ended.error.message;
      throw new PaksError('spack', `Could not run Spack (${this.installation.executable}): ${reason}.`, {
        hint: 'Check --spack-root / the spack_root setting, or run "paks bootstrap".',
      });
    }
    const outcome: SpackResult = {
      args: fullArgs,
      exitCode: ended.code ?? 1,
      stdout: Buffer.concat(output.stdout).toString('utf8'),
      stderr: Buffer.concat(output.stderr).toString('utf8'),
    };
    if (outcome.exitCode !== 0 && !runOptions.allowFailure) {
      throw spackCommandError(outcome, runOptions.doing ?? `run "spack ${args.join(' ')}"`);
    }
    return outcome;
  }
}

/** Refuses spec strings that Spack's argument parser would take for options. */
export function checkSpecArguments(specs: readonly string[]): string[] {
  return specs.map((spec) => {
    const text = spec.trim();
    if (!text) throw new PaksError('usage', 'An empty spec was given.', { hint: 'Name a package, e.g. paks install zlib' });
    if (text.startsWith('-')) {
      throw new PaksError('usage', `'${text}' is not a package spec (it starts with '-').`, { hint: 'Put options before the specs, e.g. paks install --no-cache zlib' });
    }
    if (/[\0\n\r]/.test(text)) throw new PaksError('usage', `The spec '${text.replace(/[\0\n\r]/g, '?')}' contains control characters.`);
    return text;
  });
}
