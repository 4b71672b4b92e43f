import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import { listPackages, looksLikeRepository, openRepository, type PackageRepository } from '../repository/source.js';
import { spackInstall, prefixForRoot } from '../spack/install.js';
import { withTemporaryScope } from '../spack/scope.js';

export interface InstallOptions {
  /** Registries to look in before trusted_pull_registries. */
  registries?: readonly string[];
  tag?: string | undefined;
  /** Build from source only, without looking in registries. */
  noCache?: boolean;
  /** Fail rather than build from source. */
  cacheOnly?: boolean;
  /** Require trusted signatures (default true). */
  verify?: boolean;
  plainHttp?: boolean;
}

export interface InstalledRoot {
  spec: string;
  name: string;
  version: string;
  hash: string;
  prefix: string;
  origin: { kind: 'source' } | { kind: 'binary'; registry: string; reference: string; digest: string; verified: boolean };
  seconds: number;
  /** Where the SBOM of this spec was written. */
  sbom?: string;
}

export interface InstallReport {
  roots: InstalledRoot[];
  repository?: PackageRepository;
}

/** The arguments of `paks install [REPO] [SPEC...]`: an optional repository, then specs. */
export async function resolveInstallArguments(client: PaksClient, args: readonly string[]): Promise<{ repository?: PackageRepository; specs: string[] }> {
  if (args.length === 0) throw new PaksError('usage', 'Nothing to install: name at least one spec or a package repository.', { hint: 'For example: paks install zlib' });
  const [first, ...rest] = args as [string, ...string[]];
  if (!(await looksLikeRepository(first, client.cwd))) return { specs: [...args] };
  const repository = await openRepository(first, { cwd: client.cwd, cloneDir: client.repositoryCacheDir, env: client.env });
  const specs = rest.length ? rest : await listPackages(repository);
  if (specs.length === 0) throw new PaksError('not-found', `The package repository ${repository.origin} has no packages.`);
  return { repository, specs };
}

/** Source builds through Spack (the registry path is layered on top of this). */
export async function installSpecs(client: PaksClient, args: readonly string[], options: InstallOptions = {}): Promise<InstallReport> {
  void options;
  const { repository, specs } = await resolveInstallArguments(client, args);
  const spack = await client.spack();
  return withTemporaryScope({ repos: repository ? [repository.root] : [] }, async (scope) => {
    const runner = scope ? spack.withScope(scope.dir) : spack;
    const started = Date.now();
    const result = await spackInstall(runner, specs);
    const seconds = (Date.now() - started) / 1000;
    const roots: InstalledRoot[] = specs.map((spec) => {
      const entry = prefixForRoot(result, spec);
      if (!entry) throw new PaksError('spack', `Spack finished but did not report where ${spec} was installed.`, { hint: 'Check with: paks list -p' });
      return { spec, name: entry.name, version: entry.version, hash: entry.hash, prefix: entry.prefix, origin: { kind: 'source' as const }, seconds };
    });
    return repository ? { roots, repository } : { roots };
  });
}
