/**
 * Everything the catalogue shows, gathered once: recipes from Spack, binaries from the
 * registry. Both caches outlive one collection, so `paks serve` refreshes cheaply.
 */
import type { RegistryClient } from '../oci/client.js';
import type { PackageRepository } from '../repository/source.js';
import type { SpackRunner } from '../spack/runner.js';
import type { Reporter } from '../ui/reporter.js';
import { collectBinaries, type ManifestFactsCache, type PackageBinaries } from './binaries.js';
import { buildDocuments, type ApiDocuments } from './documents.js';
import { collectRecipes, type InfoCache, type Recipe } from './recipes.js';
import type { PublisherFacts } from './publisher.js';
import { copySboms, type BlobStore } from './sboms.js';

export interface CatalogueSource {
  spack: SpackRunner;
  repository: PackageRepository;
  client: RegistryClient;
  /** `REGISTRY/NAMESPACE` */
  registry: string;
  /** Tags that are not versions (default_tag). */
  movingTags: readonly string[];
  /** Registry look-ups at once (registry_concurrency). */
  concurrency: number;
  /** Spack processes at once. */
  spackConcurrency?: number;
  infoCache?: InfoCache;
  /** Where SBOM copies are kept by digest; absent: SBOMs are linked in the registry only. */
  sbomStore?: BlobStore;
  manifestCache?: ManifestFactsCache;
  baseUrl?: string;
  /** The publisher key, repository and release tags (publisher.ts). */
  publisher?: PublisherFacts;
}

export interface Catalogue {
  recipes: Recipe[];
  binaries: Map<string, PackageBinaries>;
  documents: ApiDocuments;
}

export async function collectRecipesOnly(source: CatalogueSource, reporter?: Reporter): Promise<Recipe[]> {
  const task = reporter?.task('Reading the recipes through Spack');
  let done = 0;
  try {
    const recipes = await collectRecipes({
      spack: source.spack,
      repository: source.repository,
      concurrency: source.spackConcurrency ?? 4,
      ...(source.infoCache ? { cache: source.infoCache } : {}),
      onRecipe: () => task?.update(`Reading the recipes through Spack (${++done})`),
    });
    task?.succeed(`Read ${recipes.length} ${recipes.length === 1 ? 'recipe' : 'recipes'}`);
    return recipes;
  } catch (error) {
    task?.fail('Could not read the recipes');
    throw error;
  }
}

export async function collectRegistryFacts(source: CatalogueSource, names: readonly string[], reporter?: Reporter): Promise<Map<string, PackageBinaries>> {
  const task = reporter?.task(`Reading ${source.registry}`);
  let done = 0;
  try {
    const binaries = await collectBinaries({
      client: source.client,
      registry: source.registry,
      names,
      movingTags: source.movingTags,
      concurrency: source.concurrency,
      ...(source.manifestCache ? { cache: source.manifestCache } : {}),
      onPackage: () => task?.update(`Reading ${source.registry} (${++done}/${names.length} packages)`),
    });
    const count = [...binaries.values()].reduce((sum, p) => sum + [...p.versions.values()].reduce((s, b) => s + b.length, 0), 0);
    task?.succeed(`Read ${source.registry}: ${count} ${count === 1 ? 'binary' : 'binaries'} of ${names.length} ${names.length === 1 ? 'package' : 'packages'}`);
    return binaries;
  } catch (error) {
    task?.fail(`Could not read ${source.registry}`);
    throw error;
  }
}

export async function collectCatalogue(source: CatalogueSource, options: { reporter?: Reporter; now?: () => Date } = {}): Promise<Catalogue> {
  const recipes = await collectRecipesOnly(source, options.reporter);
  const binaries = await collectRegistryFacts(source, recipes.map((r) => r.name), options.reporter);
  const files = source.sbomStore ? await copySboms({ client: source.client, binaries, store: source.sbomStore, concurrency: source.concurrency }) : undefined;
  const documents = buildDocuments(recipes, binaries, {
    ...(files ? { files } : {}),
    registry: source.registry,
    generatedAt: (options.now ?? (() => new Date()))(),
    ...(source.baseUrl ? { baseUrl: source.baseUrl } : {}),
    ...(source.publisher ? { publisher: source.publisher } : {}),
  });
  return { recipes, binaries, documents };
}
