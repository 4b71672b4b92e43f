import { execa } from 'execa';
import { PaksError } from '../errors.js';

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs git in `cwd` without a prompt; `check` turns a failure into one sentence. */
export async function git(cwd: string, args: readonly string[], options: { check?: boolean; env?: NodeJS.ProcessEnv; doing?: string } = {}): Promise<GitResult> {
  const result = await execa('git', args, {
    cwd,
    reject: false,
    stdin: 'ignore',
    env: { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: '0' },
    extendEnv: false,
  });
  if ((result as { code?: string }).code === 'ENOENT') throw new PaksError('not-found', 'git is not installed; Paks needs it for package repositories.');
  const out = { exitCode: result.exitCode ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  if (options.check !== false && out.exitCode !== 0) {
    const reason = out.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${out.exitCode}`;
    throw new PaksError('usage', `git could not ${options.doing ?? args.join(' ')}: ${reason.replace(/^(fatal|error): /, '').replace(/\.$/, '')}.`);
  }
  return out;
}

/** Whether `dir` is inside a git work tree. */
export async function isGitCheckout(dir: string, env?: NodeJS.ProcessEnv): Promise<boolean> {
  const result = await git(dir, ['rev-parse', '--is-inside-work-tree'], { check: false, ...(env ? { env } : {}) }).catch(() => undefined);
  return result?.exitCode === 0 && result.stdout.trim() === 'true';
}

/** owner/name of a GitHub remote URL (https or ssh), or undefined. */
export function githubRepositoryOf(url: string): { owner: string; name: string } | undefined {
  const match = /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  return match ? { owner: match[1]!, name: match[2]! } : undefined;
}

/** The GitHub repository of the `origin` remote, if it is one. */
export async function originGithubRepository(dir: string, env?: NodeJS.ProcessEnv): Promise<{ owner: string; name: string } | undefined> {
  const result = await git(dir, ['remote', 'get-url', 'origin'], { check: false, ...(env ? { env } : {}) });
  return result.exitCode === 0 ? githubRepositoryOf(result.stdout) : undefined;
}
