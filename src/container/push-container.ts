/**
 * A runnable single-package image: the base image's layers, then the `.spack` tarballs of the
 * spec's link/run closure (each unpacks the prefix at the path it was built in), and a config
 * whose Env puts the package first on PATH, as Spack's `--base-image` images do (Spack 0.23
 * transcripts 139–147), plus OCI labels, a shell (or --entrypoint) to start, per-platform
 * tags, and the SBOMs as referrers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PaksError } from '../errors.js';
import type { BuildCache } from '../buildcache/read-build-cache.js';
import { binaryIdentity } from '../buildcache/layout.js';
import { ociPlatform, spackAnnotations } from '../buildcache/oci-platform.js';
import { buildTag, versionTag } from '../buildcache/tags.js';
import type { RegistryClient } from '../oci/client.js';
import { CYCLONEDX_JSON, SPDX_JSON } from '../oci/media-types.js';
import { addToPlatformIndex } from '../oci/platform-index.js';
import { formatReference, type ImageReference } from '../oci/reference.js';
import { attachReferrers, type Referrer } from '../oci/referrers.js';
import type { Descriptor } from '../oci/schemas.js';
import { sbomPaths } from '../sbom/file-names.js';
import { targetParents } from '../spack/spec-json.js';
import type { Reporter } from '../ui/reporter.js';
import { imageManifest, OCI_IMAGE_CONFIG, DOCKER_IMAGE_CONFIG, spackJson } from '../spack-oci/image.js';
import { planSpecImage, specImageConfig, tarballReader } from '../spack-oci/push-images.js';
import { resolveBaseImage } from './base-image.js';

export interface ContainerOptions {
  registry: RegistryClient;
  cache: BuildCache;
  rootHash: string;
  baseImage: string;
  /** Repository to push to; its tag (if any) is one more tag of the image. */
  target: ImageReference;
  entrypoint?: string | undefined;
  defaultTag: string;
  extraTags?: readonly string[];
  labels?: { source?: string | undefined; revision?: string | undefined; licenses?: string | undefined };
  now?: Date;
  reporter?: Reporter | undefined;
}

export interface PushedContainer {
  reference: string;
  digest: string;
  tags: string[];
  base: string;
}

export async function pushContainer(options: ContainerOptions): Promise<PushedContainer> {
  const { registry, cache } = options;
  const repo = { registry: options.target.registry, repository: options.target.repository };
  const spec = cache.specs.find((s) => s.hash === options.rootHash && s.tarballPresent);
  if (!spec) throw new PaksError('internal', `The build cache has no tarball of /${options.rootHash.slice(0, 7)}.`);
  const root = spec.document.spec.nodes.find((n) => n.hash === spec.hash)!;
  const identity = binaryIdentity(root);
  const platform = ociPlatform(identity, targetParents(root.arch));
  const base = await resolveBaseImage(registry, options.baseImage, platform);
  options.reporter?.info(`Base image ${base.reference} (${platform.os}/${platform.architecture}, ${base.layers.length} layers)`);

  // The closure's tarballs, then the base layers, into the target repository.
  const pushed = new Map<string, Descriptor>();
  for (const cached of cache.specs.filter((s) => s.tarballPresent)) {
    const blob = await registry.pushBlobFromFile(repo, join(cache.root, cached.tarball), 'application/vnd.oci.image.layer.v1.tar+gzip');
    pushed.set(cached.tarball, blob);
  }
  const plan = planSpecImage(cache, spec, pushed);
  if (typeof plan === 'string') throw new PaksError('internal', `No image for ${spec.name}: ${plan}.`);
  await copyBaseLayers(registry, base.repository, repo, base.layers);

  const config = await specImageConfig(plan, base, tarballReader(cache.root), {});
  const created = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  config.created = created;
  const inner = config.config as Record<string, unknown>;
  if (options.entrypoint) {
    inner.Entrypoint = [options.entrypoint];
    delete inner.Cmd;
  } else if (!inner.Entrypoint && !inner.Cmd) inner.Cmd = ['/bin/sh'];
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': spec.name,
    'org.opencontainers.image.version': spec.version,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.base.name': options.baseImage,
    'org.opencontainers.image.base.digest': base.reference.slice(base.reference.lastIndexOf('@') + 1),
  };
  if (options.labels?.source) labels['org.opencontainers.image.source'] = options.labels.source;
  if (options.labels?.revision) labels['org.opencontainers.image.revision'] = options.labels.revision;
  if (options.labels?.licenses) labels['org.opencontainers.image.licenses'] = options.labels.licenses;
  inner.Labels = { ...((inner.Labels as Record<string, string> | undefined) ?? {}), ...labels };

  const configBlob = await registry.pushBlobBytes(repo, spackJson(config), base.docker ? DOCKER_IMAGE_CONFIG : OCI_IMAGE_CONFIG);
  const manifest = imageManifest(base, { ...configBlob, mediaType: OCI_IMAGE_CONFIG }, plan.layers.map((l) => l.descriptor), labels);
  const bytes = spackJson(manifest);
  const tag = buildTag(identity);
  const put = await registry.putManifest(repo, tag, bytes, manifest.mediaType);
  const indexTags = [...new Set([versionTag(identity.version), options.defaultTag, ...(options.extraTags ?? []), ...(options.target.tag ? [options.target.tag] : [])])].filter((t) => t !== tag);
  await addToPlatformIndex({
    client: registry,
    repository: repo,
    tags: indexTags,
    descriptor: { mediaType: manifest.mediaType, digest: put.digest, size: put.size },
    platform,
    annotations: spackAnnotations(identity),
    ...(options.reporter ? { reporter: options.reporter } : {}),
  });
  await attachReferrers(registry, repo, { mediaType: manifest.mediaType, digest: put.digest, size: put.size }, await sbomReferrers(registry, repo, cache, spec));
  return { reference: formatReference({ ...repo, tag, digest: put.digest }), digest: put.digest, tags: [tag, ...indexTags], base: base.reference };
}

async function copyBaseLayers(registry: RegistryClient, from: { registry: string; repository: string }, to: { registry: string; repository: string }, layers: readonly Descriptor[]): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'paks-base-'));
  try {
    for (const layer of layers) {
      if (await registry.blobExists(to, layer.digest)) continue;
      const file = join(work, layer.digest.slice(7));
      // Downloaded with its digest checked, then pushed as it is.
      await registry.fetchBlobToFile(from, layer, file);
      await registry.pushBlobFromFile(to, file, layer.mediaType);
      await rm(file, { force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function sbomReferrers(registry: RegistryClient, repo: { registry: string; repository: string }, cache: BuildCache, spec: BuildCache['specs'][number]): Promise<Referrer[]> {
  const paths = sbomPaths(spec);
  const out: Referrer[] = [];
  for (const [rel, type] of [[paths.cyclonedx, CYCLONEDX_JSON], [paths.spdx, SPDX_JSON]] as const) {
    try {
      const blob = await registry.pushBlobFromFile(repo, join(cache.root, rel), type);
      out.push({ artifactType: type, blob, title: rel.split('/').pop()! });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return out;
}
