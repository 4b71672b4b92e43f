/** Which recipes and which registry a catalogue is about: paks.yaml, or --repo and --registry. */
import { PaksError } from '../errors.js';
import type { PaksClient } from '../client.js';
import { findRepository, loadRepoConfig } from '../repo/config.js';
import { openRepository, type PackageRepository } from '../repository/source.js';
import { parseReference } from '../oci/reference.js';

export interface CatalogueTarget {
  repository: PackageRepository;
  /** `REGISTRY/NAMESPACE`: package NAME is at `REGISTRY/NAMESPACE/NAME`. */
  registry: string;
}

export async function resolveCatalogueTarget(client: PaksClient, flags: { repo?: string | undefined; registry?: string | undefined }): Promise<CatalogueTarget> {
  let root: string;
  let registry = flags.registry;
  try {
    root = await findRepository(client.cwd, flags.repo);
    registry ??= (await loadRepoConfig(root)).registry;
  } catch (error) {
    // A plain Spack package repository (no paks.yaml) is fine when --registry says where binaries are.
    if (!(error instanceof PaksError) || !flags.repo || error.kind !== 'usage' || !registry) throw error;
    root = flags.repo;
  }
  if (!registry) {
    throw new PaksError('usage', 'No registry to read binaries from.', { hint: 'Pass --registry REGISTRY/NAMESPACE (e.g. ghcr.io/org/packages) or set registry in paks.yaml.' });
  }
  registry = registry.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  // The same grammar as image references (lowercase, a host, path components).
  parseReference(`${registry}/probe`, {});
  const repository = await openRepository(root, { cwd: client.cwd, cloneDir: client.repositoryCacheDir, env: client.env });
  return { repository, registry };
}
