import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { describeError, isPaksError } from '../errors.js';
import { redact } from '../redact.js';
import { paksVersion } from '../version.js';

// Each command module only declares its options; it imports its heavy parts when it runs.
import * as bootstrap from '../commands/bootstrap.js';
import * as build from '../commands/build.js';
import * as config from '../commands/config.js';
import * as container from '../commands/container.js';
import * as api from '../commands/api.js';
import * as doctor from '../commands/doctor.js';
import * as install from '../commands/install.js';
import * as key from '../commands/key.js';
import * as list from '../commands/list.js';
import * as pull from '../commands/pull.js';
import * as push from '../commands/push.js';
import * as release from '../commands/release.js';
import * as repo from '../commands/repo.js';
import * as sbom from '../commands/sbom.js';
import * as serve from '../commands/serve.js';
import * as shell from '../commands/shell.js';
import * as sign from '../commands/sign.js';
import * as uninstall from '../commands/uninstall.js';
import * as update from '../commands/update.js';

const COMMANDS: ReadonlyArray<{ register(program: Command): void }> = [install, list, uninstall, build, container, push, pull, sign, key, sbom, config, shell, bootstrap, doctor, repo, release, update, api, serve];

const SIGNALS_HANDLED_BY_COMMAND = new Set(['shell', 'serve']);

export async function buildProgram(): Promise<Command> {
  const program = new Command('paks')
    .description('Install Spack packages from signed binaries in OCI registries; build, sign and push them.')
    .version(paksVersion(), '-V', 'print the Paks version (also --version, as the first argument)')
    .option('--debug', 'show debug output and stack traces')
    .option('-q, --quiet', 'print only results and errors')
    .option('--settings-file <path>', 'use this settings file instead of ~/.paks/settings.yml')
    .option('--spack-root <dir>', 'use the Spack checkout in this folder')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .exitOverride();
  // `paks shell` reads Ctrl-C and `paks serve` shuts down cleanly by themselves; every other
  // command stops as an interrupted one on SIGINT/SIGTERM.
  program.hook('preAction', async (_program, action) => {
    if (SIGNALS_HANDLED_BY_COMMAND.has(action.name())) return;
    const { handleInterruptions } = await import('./signals.js');
    handleInterruptions();
  });
  for (const command of COMMANDS) command.register(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const debug = argv.includes('--debug');
  // `paks --version`; after a command, --version is that command's (paks release PKG --version V).
  if (argv[2] === '--version') {
    process.stdout.write(`${paksVersion()}\n`);
    return 0;
  }
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
