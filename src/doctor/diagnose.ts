import { execa } from 'execa';
import type { PaksClient } from '../client.js';
import { describeError } from '../errors.js';

export interface Check {
  name: string;
  ok: boolean;
  required: boolean;
  detail: string;
}

/** What `paks doctor` reports: Spack (where, which version), gpg, a compiler. */
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
  const gpg = await execa('gpg', ['--version'], { reject: false, env: client.env });
  checks.push({
    name: 'gpg',
    ok: gpg.exitCode === 0,
    required: false,
    detail: gpg.exitCode === 0 ? String(gpg.stdout).split('\n')[0]! : 'not found: signing and `spack gpg` need GnuPG 2.2 or newer',
  });
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
