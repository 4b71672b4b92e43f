import { homedir } from 'node:os';
import type { Command } from 'commander';
import { createReporter, type Reporter } from '../ui/reporter.js';
import type { PaksClient } from '../client.js';

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  debug?: boolean;
  quiet?: boolean;
  settingsFile?: string;
  spackRoot?: string;
}

/** What a command gets: how to talk to the user, and the library (loaded on demand). */
export interface CommandContext {
  reporter: Reporter;
  globals: GlobalOptions;
  env: NodeJS.ProcessEnv;
  home: string;
  cwd: string;
  client(options?: { allowMissingSettingsFile?: boolean }): Promise<PaksClient>;
}

export function contextFor(command: Command): CommandContext {
  const globals = command.optsWithGlobals() as GlobalOptions;
  const env = process.env;
  const home = env.HOME || homedir();
  const reporter = createReporter({ quiet: globals.quiet, debug: globals.debug });
  let client: Promise<PaksClient> | undefined;
  return {
    reporter,
    globals,
    env,
    home,
    cwd: process.cwd(),
    client(options = {}) {
      client ??= import('../client.js').then(({ PaksClient }) =>
        PaksClient.create({ home, env, reporter, settingsFile: globals.settingsFile, spackRoot: globals.spackRoot, ...options }),
      );
      return client;
    },
  };
}

/** Collects a repeatable option (`--tag a --tag b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`'${value}' is not a positive whole number`);
  return n;
}
