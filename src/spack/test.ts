import { readFile } from 'node:fs/promises';
import type { SpackRunner } from './runner.js';
import { checkSpecArguments } from './runner.js';

/** Whether a package has stand-alone tests: `spack info --tests` lists its test methods. */
export async function standaloneTestMethods(spack: SpackRunner, name: string): Promise<string[]> {
  const [spec] = checkSpecArguments([name]);
  const result = await spack.run(['info', '--tests', spec!], { doing: `read the tests of ${name}` });
  const section = /Stand-Alone\/Smoke Test Methods:\n((?: {4}.*\n)+)/.exec(result.stdout);
  if (!section) return [];
  return section[1]!.split('\n').map((l) => l.trim()).filter((l) => l && l !== 'None');
}

export interface TestRunResult {
  passed: boolean;
  /** Specs passed / failed, from Spack's summary line. */
  specsPassed: number;
  specsFailed: number;
  /** Spack's reason when it failed (the assertion message), and where its log is. */
  reason?: string;
  /** Spack's test log of a failed run (read before the suite is removed). */
  log?: string;
  stdout: string;
  stderr: string;
}

/** `spack test run --alias A [--log-format junit --log-file F] SPEC`, then `spack test remove -y A`. */
export async function spackTestRun(spack: SpackRunner, spec: string, options: { alias: string; junitFile?: string | undefined }): Promise<TestRunResult> {
  const [checked] = checkSpecArguments([spec]);
  const args = ['test', 'run', '--alias', options.alias];
  if (options.junitFile) args.push('--log-format', 'junit', '--log-file', options.junitFile);
  args.push(checked!);
  const result = await spack.run(args, { allowFailure: true, live: true, doing: `test ${spec}` });
  const logFile = /See test log for details:\n\s+(\S+)/.exec(result.stderr)?.[1] ?? /test results at:\n\s+(\S+)/.exec(result.stdout)?.[1];
  const log = result.exitCode !== 0 && logFile ? await readFile(logFile, 'utf8').catch(() => undefined) : undefined;
  await spack.run(['test', 'remove', '-y', options.alias], { allowFailure: true });
  const summary = /=+ (.*) of \d+ specs? =+/.exec(result.stdout)?.[1] ?? '';
  const count = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(summary)?.[1] ?? 0);
  const out: TestRunResult = { passed: result.exitCode === 0, specsPassed: count('passed'), specsFailed: count('failed'), stdout: result.stdout, stderr: result.stderr };
  if (result.exitCode !== 0) {
    // "==> Error: TestFailure: 1 test failed.\n\n\n<the assertion message>\n\n<file>:<line>, in test_x:"
    const failure = /==> Error: TestFailure: [^\n]*\n+([^\n]+)/.exec(result.stderr);
    out.reason = failure?.[1]?.trim() ?? /==> Error: ([^\n]+)/.exec(result.stderr)?.[1]?.trim() ?? `spack test run exited with ${result.exitCode}`;
    if (log !== undefined) out.log = log;
  }
  return out;
}
