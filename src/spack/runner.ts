import { execa } from 'execa';
import type { Reporter } from '../ui/reporter.js';
import { PaksError } from '../errors.js';
import { spackCommandError } from './errors.js';
import type { SpackInstallation } from './locate.js';
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
  signal?: AbortSignal;
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
 * The one place that runs Spack. Arguments go to execa as an array (no shell), and every
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
    let child;
    try {
      child = execa(this.installation.executable, fullArgs, {
        env,
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        buffer: true,
        stripFinalNewline: false,
        cancelSignal: runOptions.signal,
        lines: false,
      });
    } catch (error) {
      throw new PaksError('spack', `Could not start Spack (${this.installation.executable}): ${(error as Error).message}.`);
    }
    if (runOptions.live || runOptions.onLine) {
      for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
        let pending = '';
        stream?.on('data', (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          let at;
          while ((at = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, at);
            pending = pending.slice(at + 1);
            runOptions.onLine?.(line, name);
            // Spack's progress is on stdout; its stderr (errors, gpg chatter) goes into the error message.
            if (runOptions.live && name === 'stdout' && line.trim()) reporter?.info(line);
            else if (name === 'stderr' && line.trim()) reporter?.debug(line);
          }
        });
      }
    }
    const started = Date.now();
    const forget = stopOnInterrupt(child);
    const result = await child.finally(forget);
    const signal = interruptedBy();
    if (signal) throw new Interrupted(signal);
    reporter?.debug(`spack ${args.slice(0, 2).join(' ')} finished in ${Date.now() - started} ms (exit ${result.exitCode})`);
    if (result.failed && result.exitCode === undefined) {
      const code = (result as { code?: string }).code;
      throw new PaksError('spack', `Could not run Spack (${this.installation.executable}): ${code === 'ENOENT' ? 'the file does not exist' : result.shortMessage}.`, {
        hint: 'Check --spack-root / the spack_root setting, or run "paks bootstrap".',
      });
    }
    const outcome: SpackResult = {
      args: fullArgs,
      exitCode: result.exitCode ?? 1,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
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
