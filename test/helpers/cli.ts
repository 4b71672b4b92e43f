import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bin/paks, the command users run; PAKS_CJS, the CommonJS entry it loads (`node bin/paks.cjs`). */
export const PAKS_BIN = fileURLToPath(new URL('../../bin/paks', import.meta.url));
export const PAKS_CJS = fileURLToPath(new URL('../../bin/paks.cjs', import.meta.url));

/**
 * bin/paks runs `node` from PATH (#!/usr/bin/env node): a PATH that has one stays as it is (a
 * test may choose what is on it); one without gets this Node's folder first.
 */
export function withNodeFirst(path: string | undefined): string {
  const dirs = path ? path.split(delimiter) : [];
  const hasNode = dirs.some((dir) => {
    try {
      accessSync(join(dir || '.', 'node'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return hasNode ? path! : [dirname(process.execPath), ...dirs].join(delimiter);
}
const bundle = fileURLToPath(new URL('../../dist/bin/', import.meta.url));

/**
 * The sources (src/… and node_modules/…) a run loaded, from a recording made with
 * test/helpers/record-imports.mjs: bin/paks runs the bundle in dist/bin/, whose meta.json
 * says which sources each of its files holds. Check loaded code with this, not the raw URLs.
 */
export async function loadedSources(recording: string): Promise<string> {
  const meta = JSON.parse(await readFile(join(bundle, 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const files = (await readFile(recording, 'utf8')).split('\n').filter((url) => url.startsWith('file://')).map((url) => fileURLToPath(url));
  const sources: string[] = [];
  for (const file of files) {
    const output = meta.outputs[`dist/bin/${file.slice(bundle.length)}`];
    if (file.startsWith(bundle)) sources.push(...Object.keys(output?.inputs ?? {}));
    else sources.push(file);
  }
  return sources.map((source) => `/${source}`).join('\n');
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  home: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  /** Sees the running process and each piece of its stderr (e.g. to signal it at the right moment). */
  onStderr?: (text: string, child: import('node:child_process').ChildProcess) => void;
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/** Runs the built `paks` as a user would: a subprocess with its own HOME and no terminal. */
export function runPaks(args: string[], options: RunOptions): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PAKS_') && key !== 'SPACK_ROOT' && !key.startsWith('GITHUB_') && key !== 'GH_TOKEN') env[key] = value;
  }
  Object.assign(env, { HOME: options.home, CI: 'true', NO_COLOR: '1' });
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return new Promise((resolve, reject) => {
    // bin/paks runs `node` from PATH: this Node, first.
    env.PATH = withNodeFirst(env.PATH);
    const child = spawn(PAKS_BIN, args, { cwd: options.cwd ?? options.home, env, stdio: ['pipe', 'pipe', 'pipe'] });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A temporary directory removed after the test. */
export async function temporaryDirectory(t: { after(fn: () => Promise<void> | void): void }, prefix = 'paks-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
