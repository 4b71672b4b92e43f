import { execa } from 'execa';
import type { PaksClient } from '../client.js';
import { describeError } from '../errors.js';
import { parseCompilerList } from '../spack/dialect/compiler.js';

export interface Check {
  name: string;
  ok: boolean;
  required: boolean;
  detail: string;
}

/** What `paks doctor` reports: Spack (where, which version, which build-cache layout), gpg, a compiler. */
export async function diagnose(client: PaksClient): Promise<Check[]> {
  const checks: Check[] = [];
  let spack;
  try {
    spack = await client.spack();
    const dialect = await spack.dialect();
    checks.push({ name: 'spack', ok: true, required: true, detail: `${dialect.version} at ${spack.installation.executable} (from ${spack.installation.source})` });
    checks.push({
      name: 'layout',
      ok: true,
      required: false,
      detail: `build-cache layout v${dialect.buildCacheLayout}: Spack ${dialect.version} writes it and installs only it (${dialect.buildCacheLayout === 3 ? 'artifacts built by Spack 0.23 need a rebuild' : 'artifacts built by Spack 1.x need Spack 1.x'})`,
    });
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
    const found = parseCompilerList(compilers.stdout);
    checks.push({
      name: 'compiler',
      ok: found.length > 0,
      required: false,
      detail: found.length ? found.join(', ') : 'none registered with Spack: run "spack compiler find" (needed for source builds)',
    });
  }
  return checks;
}
