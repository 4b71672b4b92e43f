import { start } from 'node:repl';
import { execa } from 'execa';
import type { PaksClient } from '../client.js';
import { describeError, isPaksError } from '../errors.js';
import type { SpackRunner } from '../spack/runner.js';

/**
 * `paks shell`: a REPL where `client` is the Paks library and `spack('find', '-l')` runs
 * Spack through the same runner Paks uses, returning its output.
 */
export async function openShell(client: PaksClient): Promise<number> {
  let spack: SpackRunner | undefined;
  let noSpack: string | undefined;
  try {
    spack = await client.spack();
  } catch (error) {
    noSpack = oneLine(error);
  }
  process.stderr.write('Paks shell: `client` is the Paks client; `await spack("find")` runs Spack. .exit to leave.\n');
  if (noSpack) process.stderr.write(`${noSpack}\n`);
  const server = start({ prompt: 'paks> ', useGlobal: false, input: process.stdin, output: process.stdout, terminal: Boolean(process.stdout.isTTY) });
  server.context.client = client;
  server.context.settings = client.values;
  server.context.spack = async (...args: string[]) => {
    if (!spack) throw withoutTrace(noSpack!);
    const result = await spack.run(args, { allowFailure: true });
    return (result.stdout + result.stderr).trimEnd();
  };
  return new Promise((resolve) => server.on('exit', () => resolve(0)));
}

/** A Paks error's sentence and hint on one line. */
function oneLine(error: unknown): string {
  if (isPaksError(error)) return error.hint ? `${error.message} ${error.hint}` : error.message;
  return describeError(error);
}

/** An error the REPL prints as its message alone: a missing Spack is not a bug to trace. */
function withoutTrace(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}

/** `paks shell --spack`: Spack's own interpreter, for its internals. */
export async function openSpackPython(client: PaksClient): Promise<number> {
  const spack = await client.spack();
  const result = await execa(spack.installation.executable, ['python'], { stdio: 'inherit', reject: false, env: client.env });
  return result.exitCode ?? 1;
}
