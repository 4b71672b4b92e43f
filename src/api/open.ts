/** Which recipes and which registry a catalogue is about: paks.yaml, or --repo and --registry. */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PaksError } from '../errors.js';
import type { PaksClient } from '../client.js';
import { findRepository, loadRepoConfig } from '../repo/config.js';
import { openRepository, type PackageRepository } from '../repository/source.js';
import { parseReference } from '../oci/reference.js';

export interface CatalogueTarget {
  repository: PackageRepository;
  /** `REGISTRY[/NAMESPACE]`: package NAME is at `REGISTRY/NAMESPACE/NAME`. */
  registry: string;
}

export async function resolveCatalogueTarget(client: PaksClient, flags: { repo?: string | undefined; registry?: string | undefined }): Promise<CatalogueTarget> {
  let registry = flags.registry === undefined ? undefined : checkRegistry(flags.registry);
  if (flags.repo && !(await access(resolve(client.cwd, flags.repo)).then(() => true, () => false))) {
    throw new PaksError('usage', `--repo ${flags.repo} does not exist.`, { hint: 'Give the folder of a Spack package repository (the one with repo.yaml, or above it).' });
  }
  let root: string;
  try {
    root = await findRepository(client.cwd, flags.repo);
    registry ??= checkRegistry((await loadRepoConfig(root)).registry);
  } catch (error) {
    // A plain Spack package repository (no paks.yaml) is fine when --registry says where binaries are.
    if (!(error instanceof PaksError) || error.kind !== 'usage' || !flags.repo) throw error;
    if (!registry) {
      throw new PaksError('usage', `${flags.repo} has no paks.yaml to say where its binaries are.`, { hint: 'Pass --registry REGISTRY/NAMESPACE, e.g. ghcr.io/org/packages.' });
    }
    root = resolve(client.cwd, flags.repo);
  }
  const repository = await openRepository(root, { cwd: client.cwd, cloneDir: client.repositoryCacheDir, env: client.env });
  return { repository, registry };
}

/** `REGISTRY[/NAMESPACE]` with the grammar of image references (a host, lowercase path components). */
function checkRegistry(text: string): string {
  const registry = text.trim().replace(/^oci:\/\//, '').replace(/\/+$/, '');
  try {
    const parsed = parseReference(`${registry}/name`);
    if (`${parsed.registry}/${parsed.repository}` !== `${registry}/name`.toLowerCase() || !registry.includes('.') && !registry.includes(':') && !registry.startsWith('localhost')) {
      throw new Error('no registry host');
    }
  } catch {
    throw new PaksError('usage', `${text} is not a registry path such as ghcr.io/org/packages (a host, then lowercase names).`, {
      hint: 'Each package NAME is read from REGISTRY/NAMESPACE/NAME.',
    });
  }
  return registry;
}
