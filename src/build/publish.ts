import { pushedPaths } from '../buildcache/cleanup.js';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import type { InstalledRoot } from '../install/install.js';
import { readBuildCache } from '../buildcache/read-build-cache.js';
import { binaryIdentity, describeBinary } from '../buildcache/layout.js';
import { ANNOTATION_PREFIX, ociArchitectureOf, ociPlatform, spackAnnotations } from '../buildcache/oci-platform.js';
import { ANNOTATION_REVISION, ANNOTATION_TITLE } from '../oci/media-types.js';
import { buildTag, versionTag } from '../buildcache/tags.js';
import { targetParents } from '../spack/spec-json.js';
import { describeTarget, isGenericTarget } from './target.js';

export interface PublishedBuild {
  /** `registry/repo:<version>-<hash7>@sha256:...` */
  reference: string;
  digest: string;
  buildTag: string;
  /** Tags moved to a per-platform index holding this build. */
  indexTags: string[];
  /** The Spack-native images beside it (`repo:<name>-<version>-<hash>.spack@sha256:…`). */
  spackImages: string[];
  /** The files pushed, relative to the build cache folder. */
  files: string[];
}

export interface PublishOptions {
  root: Pick<InstalledRoot, 'name' | 'version' | 'hash'>;
  /** Extra tags (--tag) that also become per-platform indexes. */
  tags: readonly string[];
  plainHttp?: boolean | undefined;
  /** The user named the target: a tag in it is honoured as one more index tag. */
  explicitTarget?: boolean;
  /** The Spack images' tarball reading, started earlier (paks build starts it right after Spack wrote the cache). */
  spackImages?: Promise<import('../spack-oci/push-images.js').PreparedSpackImages | undefined> | undefined;
}

/**
 * Pushes one build cache as `<repo>:<version>-<hash7>` (a tag no other build shares), then
 * moves `<version>`, `latest` and any extra tags to image indexes that gain this platform's
 * entry and keep every other platform's.
 */
export async function pushBuildCache(client: PaksClient, dir: string, target: string, options: PublishOptions): Promise<PublishedBuild> {
  const { parseReference, formatReference } = await import('../oci/reference.js');
  const { pushArtifact } = await import('../oci/artifact.js');
  const { addToPlatformIndex } = await import('../oci/platform-index.js');
  const named = parseReference(target);
  if (named.digest) throw new PaksError('usage', `Push to a repository or tag, not a digest (${target}).`);
  const cache = await readBuildCache(dir);
  const spec = cache.specs.find((s) => s.hash === options.root.hash);
  if (!spec) throw new PaksError('internal', `The build cache in ${dir} has no spec ${options.root.name}/${options.root.hash.slice(0, 7)}.`);
  const rootNode = spec.document.spec.nodes.find((n) => n.hash === spec.hash)!;
  const identity = binaryIdentity(rootNode, spec.document.spec.nodes);
  const platform = ociPlatform(identity, targetParents(rootNode.arch));
  // Which Spack can install it: 2 = Spack 0.23, 3 = Spack 1.x (docs/artifact-format.md).
  const revision = sourceRevision(client.env);
  const annotations = { ...spackAnnotations(identity), [`${ANNOTATION_PREFIX}buildcache-layout`]: String(cache.layout), ...(revision ? { [ANNOTATION_REVISION]: revision } : {}) };
  const tag = buildTag(identity);
  const repository = { registry: named.registry, repository: named.repository };
  const registry = await client.registryClient({ plainHttp: options.plainHttp });
  const { prepareSpackImages, startSpackImages, finishSpackImages, spackLayerCache } = await import('../spack-oci/push-images.js');
  const layerCache = await spackLayerCache(client.path('cache_dir'));
  try {
    const prepared = (options.spackImages ? await options.spackImages.catch(() => undefined) : undefined) ?? (await prepareSpackImages(dir, layerCache, cache));
    // Each Spack image goes as soon as the blobs it names are in; index.spack after the artifact.
    const images = prepared && startSpackImages({ client: registry, repository, prepared, reporter: client.reporter });
    const pushed = await pushArtifact({
      client: registry,
      directory: dir,
      reference: { ...repository, tag },
      artifactType: client.values.content_type,
      annotations,
      description: `Spack build cache of ${describeBinary(identity)}${isGenericTarget(identity.arch.target) ? `, for ${describeTarget(identity.arch.target)}` : ''}${spec.signed ? ', signed' : ''}`,
      ...(sourceUrl(client.env) ? { source: sourceUrl(client.env)! } : {}),
      reporter: client.reporter,
      ...(images ? { onLayer: images.layerPushed } : {}),
    }).catch(async (error: unknown) => {
      await images?.abandon();
      throw error;
    });
    const spackImages = images ? await finishSpackImages(images, repository, pushed.manifest.layers, client.reporter) : undefined;
    const indexTags = [...new Set([versionTag(identity.version), client.values.default_tag, ...options.tags, ...(options.explicitTarget && named.tag ? [named.tag] : [])])].filter((t) => t !== tag);
    await addToPlatformIndex({
      client: registry,
      repository,
      tags: indexTags,
      descriptor: { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size, artifactType: client.values.content_type },
      platform,
      annotations,
      architectureOfTarget: (target) => ociArchitectureOf(target),
      reporter: client.reporter,
    });
    return {
      reference: formatReference({ ...repository, tag, digest: pushed.digest }),
      digest: pushed.digest,
      buildTag: tag,
      indexTags,
      spackImages: spackImages?.images.map((i) => formatReference({ ...repository, tag: i.tag, ...(i.digest ? { digest: i.digest } : {}) })) ?? [],
      files: pushedPaths(pushed.manifest),
    };
  } finally {
    await registry.close();
    await layerCache.save().catch(() => {});
  }
}

export interface PushDirectoryOptions {
  tags?: readonly string[];
  plainHttp?: boolean | undefined;
  concurrency?: number | undefined;
  /** Also write each spec as a Spack-native image with the merged index.spack (default true). */
  spackImages?: boolean;
}

/**
 * `paks push DIR REF`: a build cache folder as one artifact at REF and, unless told not to,
 * each of its specs as a Spack-native image beside it, so stock Spack installs from REF.
 */
export async function pushDirectory(client: PaksClient, directory: string, reference: import('../oci/reference.js').ImageReference, options: PushDirectoryOptions = {}): Promise<import('../oci/artifact.js').PushedArtifact> {
  if (options.spackImages === false) return (await pushDirectoryWithImages(client, directory, reference, options, undefined)).artifact;
  // A folder pushed here before, unchanged since (the push record's key): first ask the
  // registry whether it still holds what that push left, without reading the build cache.
  const { listRegularFiles } = await import('../oci/directory-files.js');
  const files = await listRegularFiles(directory);
  const record = await import('../spack-oci/push-record.js');
  const recordFile = record.pushRecordFile(client.env, directory, reference);
  const key = record.pushRecordKey(directory, reference, files);
  const last = record.readPushRecord(recordFile, key);
  const pushed = last
    ? await pushUnchangedCache(client, directory, reference, options, files, last)
    : await pushDirectoryWithImages(client, directory, reference, options, { files });
  if (pushed.images?.index && pushed.images.skipped.length === 0 && pushed.images.images.every((i) => i.needs)) {
    const { images, index } = pushed.images;
    await record.writePushRecord(recordFile, key, { images: images.map((i) => ({ tag: i.tag, needs: i.needs! })), index: { digest: index.digest, specs: index.specs } });
  }
  return pushed.artifact;
}

interface PushedDirectory {
  artifact: import('../oci/artifact.js').PushedArtifact;
  /** What the Spack-image step did; undefined when it was skipped (no images, or the registry held the record's). */
  images: import('../spack-oci/push-images.js').PushedSpackImages | undefined;
}

/**
 * The push of a folder whose push record matches: the artifact as always (an unchanged one
 * is one manifest GET), beside one tag listing and one HEAD of index.spack. When the registry
 * holds everything the record says, the Spack images are done; otherwise they are made as
 * in a first push, after the artifact, from the build cache read now.
 */
async function pushUnchangedCache(
  client: PaksClient,
  directory: string,
  reference: import('../oci/reference.js').ImageReference,
  options: PushDirectoryOptions,
  files: readonly import('../oci/directory-files.js').DirectoryFile[],
  last: import('../spack-oci/push-record.js').SpackPushRecord,
): Promise<PushedDirectory> {
  const [{ pushArtifact }, { registryMatches }, { INDEX_TAG }] = await Promise.all([import('../oci/artifact.js'), import('../spack-oci/push-record.js'), import('../spack-oci/image.js')]);
  const registry = await client.registryClient({ plainHttp: options.plainHttp, concurrency: options.concurrency });
  const repository = { registry: reference.registry, repository: reference.repository };
  try {
    const tags = registry.listTags(repository).then((list) => new Set(list));
    const index = registry.manifestDigest({ ...repository, tag: INDEX_TAG });
    tags.catch(() => {});
    index.catch(() => {});
    const layers: [import('../oci/schemas.js').Descriptor, boolean][] = [];
    const artifact = await pushArtifact({
      client: registry,
      directory,
      files,
      reference,
      tags: options.tags ?? [],
      artifactType: client.values.content_type,
      reporter: client.reporter,
      onLayer: (layer, inPrevious) => layers.push([layer, inPrevious]),
    });
    const inPrevious = new Set(layers.filter(([, previous]) => previous).map(([layer]) => layer.annotations?.[ANNOTATION_TITLE] ?? ''));
    const held = await Promise.all([tags, index]).then(([t, i]) => registryMatches(last, inPrevious, t, i), () => false);
    if (held) {
      client.reporter.info(`Spack images: ${last.images.length} in ${repository.registry}/${repository.repository} (0 new); index.spack lists ${last.index.specs} specs`);
      return { artifact, images: undefined };
    }
    // The registry changed since: the images as a first push makes them, after the artifact.
    const spackOci = await import('../spack-oci/push-images.js');
    const layerCache = await spackOci.spackLayerCache(client.path('cache_dir'));
    try {
      const prepared = await spackOci.prepareSpackImages(directory, layerCache, undefined, { readAhead: false });
      const images = spackOci.startSpackImages({ client: registry, repository, prepared, reporter: client.reporter });
      for (const [layer, previous] of layers) images.layerPushed(layer, previous);
      return { artifact, images: await spackOci.finishSpackImages(images, repository, artifact.manifest.layers, client.reporter) };
    } finally {
      await layerCache.save().catch(() => {});
    }
  } finally {
    await registry.close();
  }
}

/** `paks push DIR REF` as a first push makes it: the artifact and, unless told not to, the Spack images beside its upload. */
async function pushDirectoryWithImages(
  client: PaksClient,
  directory: string,
  reference: import('../oci/reference.js').ImageReference,
  options: PushDirectoryOptions,
  listed: { files: readonly import('../oci/directory-files.js').DirectoryFile[] } | undefined,
): Promise<PushedDirectory> {
  const { pushArtifact } = await import('../oci/artifact.js');
  // Stops the upload when reading the build cache fails beside it (below).
  const stop = new AbortController();
  const registry = await client.registryClient({ plainHttp: options.plainHttp, concurrency: options.concurrency, signal: stop.signal });
  const spackOci = options.spackImages === false ? undefined : await import('../spack-oci/push-images.js');
  const layerCache = await spackOci?.spackLayerCache(client.path('cache_dir'));
  try {
    // Reading the build cache for the Spack images runs beside the upload. If it fails,
    // the upload stops at once and no tag moves (pushArtifact awaits it before the manifest).
    // Each Spack image goes as soon as the blobs it names are in.
    const preparing = spackOci?.prepareSpackImages(directory, layerCache, undefined, { readAhead: false });
    preparing?.catch(() => stop.abort());
    const images = preparing && spackOci!.startSpackImages({ client: registry, repository: reference, prepared: preparing, reporter: client.reporter });
    const pushing = pushArtifact({
      client: registry,
      directory,
      ...(listed ? { files: listed.files } : {}),
      reference,
      tags: options.tags ?? [],
      artifactType: client.values.content_type,
      reporter: client.reporter,
      ready: preparing,
      ...(images ? { onLayer: images.layerPushed } : {}),
    });
    pushing.catch(() => {});
    let pushed;
    try {
      await preparing;
      pushed = await pushing;
    } catch (error) {
      await images?.abandon();
      throw error;
    }
    const result = images ? await spackOci!.finishSpackImages(images, reference, pushed.manifest.layers, client.reporter) : undefined;
    return { artifact: pushed, images: result };
  } finally {
    await registry.close();
    await layerCache?.save().catch(() => {});
  }
}

/** The commit a CI build (GitHub Actions) was made from, for org.opencontainers.image.revision. */
function sourceRevision(env: NodeJS.ProcessEnv): string | undefined {
  return sourceUrl(env) && env.GITHUB_SHA && /^[0-9a-f]{40,64}$/.test(env.GITHUB_SHA) ? env.GITHUB_SHA : undefined;
}

/** The source repository of a CI build (GitHub Actions), for org.opencontainers.image.source. */
function sourceUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`;
  return undefined;
}

/**
 * The spec of a build cache that no other spec in it depends on: what `paks build` built.
 * A cache of one build has exactly one; `paks push --index` needs that to name the build.
 */
export function cacheRoot(cache: import('../buildcache/read-build-cache.js').BuildCache, dir: string): Pick<InstalledRoot, 'name' | 'version' | 'hash'> {
  const needed = new Set<string>();
  for (const spec of cache.specs) {
    const node = spec.document.spec.nodes.find((n) => n.hash === spec.hash);
    for (const dependency of node?.dependencies ?? []) needed.add(dependency.hash);
  }
  const roots = cache.specs.filter((s) => !needed.has(s.hash));
  if (roots.length !== 1) {
    throw new PaksError('usage', `${dir} holds ${roots.length === 0 ? 'no build' : `the builds of ${roots.length} packages (${roots.map((r) => `${r.name}@${r.version}`).join(', ')})`}, and --index pushes one.`, {
      hint: 'Give each build its own cache folder (paks build --cache-dir), or push without --index.',
    });
  }
  return { name: roots[0]!.name, version: roots[0]!.version, hash: roots[0]!.hash };
}
