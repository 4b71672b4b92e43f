import { pushedPaths } from '../buildcache/cleanup.js';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import type { InstalledRoot } from '../install/install.js';
import { readBuildCache } from '../buildcache/read-build-cache.js';
import { binaryIdentity, describeBinary } from '../buildcache/layout.js';
import { ANNOTATION_PREFIX, ociArchitectureOf, ociPlatform, spackAnnotations } from '../buildcache/oci-platform.js';
import { ANNOTATION_REVISION } from '../oci/media-types.js';
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
