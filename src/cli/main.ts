import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { describeError, isPaksError } from '../errors.js';
import { redact } from '../redact.js';
import { paksVersion } from '../version.js';

const COMMANDS = ['install', 'list', 'uninstall', 'build', 'push', 'pull', 'key', 'sbom', 'config', 'shell', 'bootstrap', 'doctor', 'repo', 'api', 'serve'] as const;

export async function buildProgram(): Promise<Command> {
  const program = new Command('paks')
    .description('Install Spack packages from signed binaries in OCI registries; build, sign and push them.')
    .version(paksVersion(), '-V, --version', 'print the Paks version')
    .option('--debug', 'show debug output and stack traces')
    .option('-q, --quiet', 'print only results and errors')
    .option('--settings-file <path>', 'use this settings file instead of ~/.paks/settings.yml')
    .option('--spack-root <dir>', 'use the Spack checkout in this folder')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .exitOverride();
  // Each command module is small and imports its heavy parts only when it runs.
  for (const name of COMMANDS) {
    const module = (await import(`../commands/${name}.js`)) as { register(program: Command): void };
    module.register(program);
  }
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const debug = argv.includes('--debug');
  let program: Command;
  try {
    program = await buildProgram();
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return report(error, debug);
  }
}

/** Messages end like sentences, whoever wrote them. */
function sentence(text: string): string {
  return /[.!?:]$/.test(text.trimEnd()) || text.includes('\n') ? text : `${text}.`;
}

function report(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Help and version exit with 0; commander has already printed usage errors.
    if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    return 2;
  }
  if (error instanceof InvalidArgumentError) {
    process.stderr.write(`Error: ${error.message}\n`);
    return 2;
  }
  if (isPaksError(error)) {
    process.stderr.write(redact(`Error: ${sentence(error.message)}\n`));
    if (error.hint) process.stderr.write(redact(`${error.hint}\n`));
    if (debug && error.stack) process.stderr.write(redact(`${error.stack}\n`));
    return error.exitCode;
  }
  process.stderr.write(redact(`Error: ${describeError(error)}\n`));
  if (debug && error instanceof Error && error.stack) process.stderr.write(redact(`${error.stack}\n`));
  else process.stderr.write('This is a bug in Paks; run again with --debug for details and report it.\n');
  return 1;
}
