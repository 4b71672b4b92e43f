import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import { buildCacheOf, packageSettings, type CommunityRepository } from './config.js';
import { findBuildCaches, outputCacheName } from './build-output.js';

export interface PublishedPackage {
  name: string;
  version?: string;
  hash?: string;
  status: 'pushed' | 'failed';
  reference?: string;
  container?: string;
  /** Why it failed, in one sentence. */
  reason?: string;
}

export interface PublishReport {
  packages: PublishedPackage[];
  ok: boolean;
}

/**
 * `paks repo publish DIR...`: pushes the signed build caches a CI run made (`paks repo build
 * --output`, then `paks sign`) to `<registry>/<name>`, each only after every spec in it
 * verifies with the repository's publisher key. One failing package does not stop the others.
 */
export async function publishBuildOutputs(client: PaksClient, repo: CommunityRepository, folders: readonly string[], options: { plainHttp?: boolean } = {}): Promise<PublishReport> {
  const keys = await publisherKeys(repo);
  const caches = await cachesIn(client, folders, 'paks repo build --output');
  const packages: PublishedPackage[] = [];
  for (const dir of caches) packages.push(await publishOne(client, repo, dir, keys, options));
  return { packages, ok: packages.every((p) => p.status === 'pushed') };
}

/**
 * `paks repo publish --build-cache DIR...`: the signed caches of what build jobs built that is
 * not a package here (`paks repo build --dependency-output`, then `paks sign`) into the
 * repository's Spack build cache (paks.yaml build_cache), as Spack-native images with a merged
 * index.spack, so the next run's Spack takes them as binaries. Checked like any publish first.
 */
export async function publishToBuildCache(client: PaksClient, repo: CommunityRepository, folders: readonly string[], options: { plainHttp?: boolean } = {}): Promise<PublishReport> {
  const { parseReference, formatReference } = await import('../oci/reference.js');
  const target = buildCacheOf(repo.config);
  if (!target) throw new PaksError('usage', `${repo.configFile} has build_cache: false, so there is no build cache to publish to.`, { hint: 'Remove build_cache: false from paks.yaml, or leave out --build-cache.' });
  const keys = await publisherKeys(repo);
  const caches = await cachesIn(client, folders, 'paks repo build --dependency-output');
  const packages: PublishedPackage[] = [];
  for (const dir of caches) {
    const result: PublishedPackage = { name: basename(dir), status: 'failed' };
    try {
      const [{ readBuildCache }, { specVerifier }, { pushDirectory }] = await Promise.all([import('../buildcache/read-build-cache.js'), import('../trust/verify-clearsigned.js'), import('../build/push-directory.js')]);
      const cache = await readBuildCache(dir, { verifySpec: specVerifier(keys) });
      result.name = cache.specs.map((s) => `${s.name}@${s.version}`).join(', ') || result.name;
      // One moving tag for the artifact; Spack reads the per-spec images and index.spack beside it.
      const pushed = await pushDirectory(client, dir, { ...parseReference(target), tag: BUILD_CACHE_TAG }, { plainHttp: options.plainHttp });
      result.reference = formatReference(pushed.reference);
      result.status = 'pushed';
    } catch (error) {
      result.reason = describeError(error).replace(/\.$/, '');
    }
    packages.push(result);
  }
  return { packages, ok: packages.every((p) => p.status === 'pushed') };
}

/** The tag of the latest dependencies artifact in the build cache (Spack reads the `.spack` images, not it). */
export const BUILD_CACHE_TAG = 'dependencies';

async function cachesIn(client: PaksClient, folders: readonly string[], writer: string): Promise<string[]> {
  const caches: string[] = [];
  for (const folder of folders) {
    const found = await findBuildCaches(resolve(client.cwd, folder));
    if (!found.length) throw new PaksError('usage', `${folder} holds no Spack build cache.`, { hint: `Give the folders that ${writer} wrote (or the downloaded artifacts).` });
    caches.push(...found);
  }
  return caches;
}

async function publishOne(client: PaksClient, repo: CommunityRepository, dir: string, keys: Awaited<ReturnType<typeof publisherKeys>>, options: { plainHttp?: boolean }): Promise<PublishedPackage> {
  const result: PublishedPackage = { name: basename(dir), status: 'failed' };
  try {
    const [{ readBuildCache }, { specVerifier }] = await Promise.all([import('../buildcache/read-build-cache.js'), import('../trust/verify-clearsigned.js')]);
    // The same check `paks install` makes: an unsigned or foreign-signed spec stops the push.
    const cache = await readBuildCache(dir, { verifySpec: specVerifier(keys) });
    const root = cache.specs
      .map((s) => s.document.spec.nodes.find((n) => n.hash === s.hash)!)
      .find((node) => node && outputCacheName(node) === basename(dir));
    if (!root) throw new PaksError('usage', `${dir} is not named after a build it holds (<name>-<version>-<hash7>, as paks repo build --output names it).`);
    Object.assign(result, { name: root.name, version: root.version, hash: root.hash });
    const settings = packageSettings(repo.config, root.name);
    if (!settings.publish) throw new PaksError('usage', `${root.name} has publish: false in paks.yaml.`);
    const target = `${repo.config.registry}/${root.name}`;
    const { pushBuildCache } = await import('../build/publish.js');
    const pushed = await pushBuildCache(client, dir, target, { root, tags: [], plainHttp: options.plainHttp });
    result.reference = pushed.reference;
    const container = settings.container;
    if (container) {
      const [{ pushBuilt }, { parseReference }] = await Promise.all([import('../container/installed.js'), import('../oci/reference.js')]);
      const named = parseReference(target);
      const image = await pushBuilt(client, cache, root.hash, { baseImage: container.base_image, entrypoint: container.entrypoint, target: { registry: named.registry, repository: `${named.repository}/container` }, plainHttp: options.plainHttp });
      result.container = image.reference;
    }
    result.status = 'pushed';
  } catch (error) {
    result.reason = describeError(error).replace(/\.$/, '');
  }
  return result;
}

/** The publisher key committed in the repository (signing.public_key). */
async function publisherKeys(repo: CommunityRepository) {
  const path = repo.config.signing.public_key;
  if (!path) throw new PaksError('settings', `${repo.configFile}: signing.public_key is not set, so there is no key to check the signed caches with.`);
  const file = resolve(repo.root, path);
  if (!file.startsWith(`${repo.root}/`)) throw new PaksError('settings', `${repo.configFile}: signing.public_key ${path} is outside the repository.`);
  const text = await readFile(file).catch(() => {
    throw new PaksError('usage', `The publisher key ${path} (signing.public_key in paks.yaml) does not exist.`, { hint: `Export it once and commit it: paks key export ${path}` });
  });
  const { readAcceptedPublicKeys } = await import('../trust/public-key.js');
  return readAcceptedPublicKeys(text, path);
}

/** One line per package: pushed REF (container REF) / failed (why). */
export function publishSummary(report: PublishReport): string[] {
  if (!report.packages.length) return ['Nothing to publish.'];
  return report.packages.map((p) => `${p.name}: ${p.status === 'pushed' ? `pushed ${p.reference}${p.container ? `, container ${p.container}` : ''}` : `failed (${p.reason})`}`);
}
