/** The two ways the catalogue goes out: a static folder (GitHub Pages) and a live server. */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import { loadInfoCache, loadManifestFactsCache } from './cache.js';
import { createBlobStore } from './sboms.js';
import { collectCatalogue, type CatalogueSource } from './collect.js';
import { resolveCatalogueTarget } from './open.js';
import { readPublisher } from './publisher.js';
import { createRefresher, serveCatalogue, type RunningServer } from './server.js';
import { buildSite, checkSiteTarget, writeSite } from './site.js';

export interface CatalogueFlags {
  repo?: string | undefined;
  registry?: string | undefined;
  baseUrl?: string | undefined;
}

export interface BuildSummary {
  packages: number;
  binaries: number;
  files: number;
}

function checkBaseUrl(baseUrl: string | undefined): string | undefined {
  if (baseUrl === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new PaksError('usage', `--base-url ${baseUrl} is not an absolute URL.`, { hint: 'Give it as https://HOST/PATH/, e.g. https://org.github.io/packages/.' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PaksError('usage', `--base-url ${baseUrl} is not an http(s) URL.`);
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

async function source(client: PaksClient, flags: CatalogueFlags): Promise<CatalogueSource & { close(): Promise<void>; saveCache(): Promise<void> }> {
  const baseUrl = checkBaseUrl(flags.baseUrl);
  const target = await resolveCatalogueTarget(client, flags);
  const cacheDir = join(client.path('cache_dir'), 'api');
  const [spack, registryClient, infoCache, manifests] = await Promise.all([
    client.spack(),
    client.registryClient(),
    loadInfoCache(join(cacheDir, 'spack-info.json')),
    loadManifestFactsCache(join(cacheDir, 'manifests.json')),
  ]);
  return {
    spack,
    repository: target.repository,
    client: registryClient,
    registry: target.registry,
    movingTags: [client.values.default_tag, 'latest'],
    concurrency: client.values.registry_concurrency,
    spackConcurrency: Math.max(1, Math.min(8, availableParallelism())),
    infoCache,
    sbomStore: createBlobStore(join(cacheDir, 'blobs')),
    manifestCache: manifests.cache,
    ...(baseUrl ? { baseUrl } : {}),
    publisher: await readPublisher(target.repository, client.env),
    close: () => registryClient.close(),
    saveCache: async () => {
      await infoCache.save();
      await manifests.save();
    },
  };
}

/** A registry that cannot be reached is one sentence, not a stack of retries. */
function registryFailure(registry: string, error: unknown): unknown {
  if (error instanceof PaksError && (error.kind === 'network' || error.kind === 'registry' || error.kind === 'auth')) {
    const reason = describeError(error).replace(/^Could not (.*?): (?=\S)/, '$1: ').replace(/\.$/, '');
    return new PaksError(error.kind, `Could not read the binaries in ${registry} (${reason}).`, {
      ...(error.hint ? { hint: error.hint } : {}),
      cause: error,
    });
  }
  return error;
}

export async function buildStaticSite(client: PaksClient, flags: CatalogueFlags & { out: string }): Promise<BuildSummary> {
  const out = resolve(client.cwd, flags.out);
  await checkSiteTarget(out);
  const from = await source(client, flags);
  try {
    const catalogue = await collectCatalogue(from, { reporter: client.reporter }).catch((error: unknown) => {
      throw registryFailure(from.registry, error);
    });
    await from.saveCache();
    const site = buildSite(catalogue.documents);
    const left = await writeSite(site, out);
    if (left) client.reporter.warn(`Files appeared in ${out} while the new site was swapped in; Paks left them in ${left}.`);
    const binaries = [...catalogue.binaries.values()].reduce((sum, p) => sum + [...p.versions.values()].reduce((s, b) => s + b.length, 0), 0);
    return { packages: catalogue.recipes.length, binaries, files: site.size };
  } finally {
    await from.close();
  }
}

export async function startLiveCatalogue(
  client: PaksClient,
  flags: CatalogueFlags & { host: string; port: number; ttlMs: number; workers?: number; accessLog?: ((line: string) => void) | undefined },
): Promise<RunningServer> {
  const from = await source(client, flags);
  let listening: string | undefined;
  const refresher = createRefresher({
    ttlMs: flags.ttlMs,
    warn: (line) => client.reporter.warn(line),
    info: (line) => client.reporter.info(line),
    load: async () => {
      // Progress only for the first collection; refreshes are quiet unless they fail.
      const first = listening !== undefined && refresher.current() === undefined;
      const catalogue = await collectCatalogue({ ...from, ...(from.baseUrl || !listening ? {} : { baseUrl: listening }) }, first ? { reporter: client.reporter } : {}).catch((error: unknown) => {
        throw registryFailure(from.registry, error);
      });
      await from.saveCache();
      return catalogue.documents;
    },
  });
  try {
    const running = await serveCatalogue({
      refresher,
      host: flags.host,
      port: flags.port,
      ...(flags.workers ? { workers: flags.workers } : {}),
      onListening: (url) => (listening = url),
      ...(flags.accessLog ? { accessLog: flags.accessLog } : {}),
    });
    return {
      ...running,
      close: async () => {
        await running.close();
        await from.close();
      },
    };
  } catch (error) {
    await from.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PaksError('usage', `Port ${flags.port} on ${flags.host} is in use.`, { hint: 'Choose another with --port, or stop what listens there.' });
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL' || (error as NodeJS.ErrnoException).code === 'ENOTFOUND') {
      throw new PaksError('usage', `Cannot listen on ${flags.host}: this machine has no such address.`);
    }
    throw error;
  }
}
