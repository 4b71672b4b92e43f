/**
 * What an interruption (SIGINT, SIGTERM) must undo. Code that starts a process or makes a
 * temporary folder registers it here while it lives; the CLI's signal handler stops the
 * processes, removes the folders and prints the note of the work in progress.
 */
import { rmSync } from 'node:fs';
import { PaksError } from './errors.js';

interface Stoppable {
  kill(signal?: NodeJS.Signals): boolean;
  readonly exitCode: number | null;
  once(event: 'exit', listener: () => void): unknown;
}

const folders = new Set<string>();
const processes = new Set<Stoppable>();
const notes: string[] = [];
let received: NodeJS.Signals | undefined;

/** A temporary folder removed on interruption; call the returned function once it is gone. */
export function removeOnInterrupt(dir: string): () => void {
  folders.add(dir);
  return () => folders.delete(dir);
}

/** A child process stopped (with the same signal) on interruption. */
export function stopOnInterrupt(child: Stoppable): () => void {
  processes.add(child);
  return () => processes.delete(child);
}

/** What to tell the user if interrupted now (e.g. which cache was kept); the latest note wins. */
export function noteOnInterrupt(note: string): () => void {
  notes.push(note);
  return () => {
    const at = notes.lastIndexOf(note);
    if (at >= 0) notes.splice(at, 1);
  };
}

export function interruptedBy(): NodeJS.Signals | undefined {
  return received;
}

/** Thrown by work that notices the interruption, so nothing falls back to other work. */
export class Interrupted extends PaksError {
  constructor(readonly signal: NodeJS.Signals) {
    super('internal', `Interrupted by ${signal}.`, { exitCode: exitCodeFor(signal) });
  }
}

export function exitCodeFor(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1;
}

/**
 * Stops every registered process (waiting up to `graceMs` for them to exit, so Spack can
 * clean its own stage), removes every registered folder, and returns the note to print.
 */
export async function interrupt(signal: NodeJS.Signals, graceMs = 10_000): Promise<string | undefined> {
  received = signal;
  const running = [...processes].filter((p) => p.exitCode === null);
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((done) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            done();
          }, graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill(signal);
        }),
    ),
  );
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
  return notes.at(-1);
}
