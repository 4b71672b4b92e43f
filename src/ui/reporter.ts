import type { Writable } from 'node:stream';
import { redact } from '../redact.js';

/** A unit of long-running work shown to the user: a spinner on a terminal, lines in CI. */
export interface Task {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

/**
 * Everything the library says to a person goes through a Reporter, so the CLI can choose
 * spinners (interactive terminal), plain lines (CI, pipes), or silence (--quiet, library use).
 */
export interface Reporter {
  /** A result line on stdout (what scripts may read). */
  out(line: string): void;
  /** A progress or status line on stderr. */
  info(line: string): void;
  warn(line: string): void;
  debug(line: string): void;
  task(text: string): Task;
  readonly interactive: boolean;
}

export interface ReporterOptions {
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable & { isTTY?: boolean; columns?: number };
  quiet?: boolean;
  debug?: boolean;
  /** Force plain line output (CI or not a terminal). */
  plain?: boolean;
}

const noopTask: Task = { update() {}, succeed() {}, fail() {}, stop() {} };

export function createReporter(options: ReporterOptions = {}): Reporter {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  // A terminal that reports no width (some containers, `script`) makes spinners redraw
  // endlessly: use plain lines there too.
  const columns = (stderr as { columns?: number }).columns ?? 0;
  const interactive = !options.plain && !process.env.CI && Boolean(stderr.isTTY) && columns > 0;
  const write = (stream: Writable, line: string) => stream.write(`${redact(line)}\n`);
  return {
    interactive,
    out: (line) => write(stdout, line),
    info: (line) => {
      if (!options.quiet) write(stderr, line);
    },
    warn: (line) => write(stderr, `Warning: ${line}`),
    debug: (line) => {
      if (options.debug) write(stderr, `[debug] ${line}`);
    },
    task: (text) => {
      if (options.quiet) return noopTask;
      if (!interactive) return lineTask(text, (line) => write(stderr, line));
      return spinnerTask(text, stderr);
    },
  };
}

/** Plain, line-oriented progress for CI logs: a start line and an end line, no redraws. */
function lineTask(text: string, emit: (line: string) => void): Task {
  emit(`${text} ...`);
  let current = text;
  let done = false;
  return {
    update(next) {
      current = next;
    },
    succeed(final) {
      if (!done) emit(`${final ?? current}`);
      done = true;
    },
    fail(final) {
      if (!done) emit(`failed: ${final ?? current}`);
      done = true;
    },
    stop() {
      done = true;
    },
  };
}

function spinnerTask(text: string, stream: Writable): Task {
  // ora is loaded lazily so that `paks --help` and quick commands stay fast.
  let spinner: { text: string; succeed(t?: string): void; fail(t?: string): void; stop(): void } | undefined;
  let pending = text;
  let finished: (() => void) | undefined;
  void import('ora').then(({ default: ora }) => {
    if (finished) return;
    spinner = ora({ text: redact(pending), stream: stream as NodeJS.WritableStream }).start();
  });
  const finish = (action: () => void) => {
    finished = action;
    action();
  };
  return {
    update(next) {
      pending = next;
      if (spinner) spinner.text = redact(next);
    },
    succeed(final) {
      finish(() => (spinner ? spinner.succeed(final && redact(final)) : stream.write(`✔ ${redact(final ?? pending)}\n`)));
    },
    fail(final) {
      finish(() => (spinner ? spinner.fail(final && redact(final)) : stream.write(`✖ ${redact(final ?? pending)}\n`)));
    },
    stop() {
      finish(() => spinner?.stop());
    },
  };
}

/** A reporter that records everything, for tests and library callers that want silence. */
export function createSilentReporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    interactive: false,
    out: (line) => lines.push(line),
    info: (line) => lines.push(line),
    warn: (line) => lines.push(`Warning: ${line}`),
    debug: () => {},
    task: (text) => {
      lines.push(text);
      return noopTask;
    },
  };
}

/**
 * The same reporter without per-item progress: for work done in parallel, where one
 * spinner per item would fight over the terminal line. Plain lines still go out.
 */
export function withoutTasks(reporter: Reporter): Reporter {
  return { ...reporter, task: () => noopTask };
}
