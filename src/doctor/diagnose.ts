import { execa } from 'execa';
import type { PaksClient } from '../client.js';
import { describeError } from '../errors.js';
import { aptInstallLine, systemTools, type SystemTool } from '../../scripts/system-tools.mjs';

export interface Check {
  name: string;
  ok: boolean;
  required: boolean;
  detail: string;
  /** For a system tool: the command line that installs it (Debian). */
  install?: string;
}

/** What `paks doctor` reports: Spack (where, which version), Node, the system tools Paks uses, a compiler. */
export async function diagnose(client: PaksClient): Promise<Check[]> {
  const checks: Check[] = [];
  let spack;
  try {
    spack = await client.spack();
    const version = await spack.run(['--version']);
    checks.push({ name: 'spack', ok: true, required: true, detail: `${version.stdout.trim()} at ${spack.installation.executable} (from ${spack.installation.source})` });
  } catch (error) {
    checks.push({ name: 'spack', ok: false, required: true, detail: describeError(error) });
  }
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  checks.push({
    name: 'node',
    ok: nodeMajor >= 20,
    required: true,
    detail: `Node.js ${process.versions.node} at ${process.execPath}${nodeMajor >= 20 ? '' : ': Paks needs Node.js 20 or newer'}`,
  });
  checks.push(...(await Promise.all(systemTools.filter((tool) => tool.neededBy === 'paks').map((tool) => checkTool(tool, client.env)))));
  if (spack) {
    const compilers = await spack.run(['compiler', 'list'], { allowFailure: true });
    const found = compilers.stdout.split('\n').filter((line) => /^\S+@\S+/.test(line.trim()));
    checks.push({
      name: 'compiler',
      ok: found.length > 0,
      required: false,
      detail: found.length ? found.map((l) => l.trim()).join(', ') : 'none registered with Spack: run "spack compiler find" (needed for source builds)',
    });
  }
  return checks;
}

/** A system tool from scripts/system-tools.mjs: its version line, or the line that installs it. */
async function checkTool(tool: SystemTool, env: NodeJS.ProcessEnv): Promise<Check> {
  const run = await execa(tool.command, ['--version'], { reject: false, env, stdin: 'ignore' });
  const found = run.exitCode === 0;
  const install = aptInstallLine([tool.debianPackage], { root: process.getuid?.() === 0 });
  return {
    name: tool.command,
    ok: found,
    required: false,
    detail: found ? String(run.stdout).split('\n')[0]!.trim() : `not found: needed for ${tool.usedFor}; install it with: ${install}`,
    install,
  };
}
