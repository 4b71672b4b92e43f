import { start } from 'node:repl';
import { execa } from 'execa';
import type { PaksClient } from '../client.js';

/**
 * `paks shell`: a REPL where `client` is the Paks library and `spack('find', '-l')` runs
 * Spack through the same runner Paks uses, returning its output.
 */
export async function openShell(client: PaksClient): Promise<number> {
  const spack = await client.spack().catch(() => undefined);
  process.stderr.write('Paks shell: `client` is the Paks client; `await spack("find")` runs Spack. .exit to leave.\n');
  const server = start({ prompt: 'paks> ', useGlobal: false, input: process.stdin, output: process.stdout, terminal: Boolean(process.stdout.isTTY) });
  server.context.client = client;
  server.context.settings = client.values;
  server.context.spack = async (...args: string[]) => {
    if (!spack) throw new Error('No Spack is available; run "paks bootstrap".');
    const result = await spack.run(args, { allowFailure: true });
    return (result.stdout + result.stderr).trimEnd();
  };
  return new Promise((resolve) => server.on('exit', () => resolve(0)));
}

/** `paks shell --spack`: Spack's own interpreter, for its internals. */
export async function openSpackPython(client: PaksClient): Promise<number> {
  const spack = await client.spack();
  const result = await execa(spack.installation.executable, ['python'], { stdio: 'inherit', reject: false, env: client.env });
  return result.exitCode ?? 1;
}
