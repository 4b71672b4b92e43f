/**
 * Writes every spec of a pushed build cache as a Spack-native image in the same repository,
 * so stock Spack (`spack mirror add NAME oci://REF`) installs from it. The layers are the
 * `.spack` blobs the Paks artifact already pushed (same digests: nothing is uploaded twice);
 * only configs and manifests are new, plus the merged `index.spack`.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { DigestCache } from '../oci/digest-cache.js';
import { join } from 'node:path';
import { PaksError, describeError } from '../errors.js';
// Loaded with this module, not when the push reaches it: most pushes with images are of a build cache.
import { readBuildCache, type BuildCache, type CachedSpec } from '../buildcache/read-build-cache.js';
import { ociArchitectureOf } from '../buildcache/oci-platform.js';
import type { RegistryClient, Repository } from '../oci/client.js';
import type { Descriptor } from '../oci/schemas.js';
import { isClearsigned, signedSpecPayload } from '../trust/signed-spec-payload.js';
import { targetName, targetParents, type SpecNode } from '../spack/spec-json.js';
import type { Reporter } from '../ui/reporter.js';
import { layerNodes, runtimeClosureTopo } from './closure.js';
import {
  defaultBase,
  imageConfig,
  imageManifest,
  INDEX_TAG,
  OCI_IMAGE_CONFIG,
  specConfigFields,
  specDescription,
  spackImageTag,
  spackJson,
  type BaseImage,
  type LayerDescriptor,
  type SpackDialect,
} from './image.js';
import { attachReferrers, type Referrer } from '../oci/referrers.js';
import { ANNOTATION_TITLE, CYCLONEDX_JSON, SPACK_SPEC_SIGNED, SPDX_JSON } from '../oci/media-types.js';
import { sbomPaths } from '../sbom/file-names.js';
import { databaseOf, readSpackIndex, updateSpackIndex, type UpdatedSpackIndex } from './index-spack.js';
import { runEnvironment } from './run-environment.js';
import { decodeTarballLayer, encodeTarballLayer, readTarballLayer, type TarballLayer } from './tarball-layer.js';

export interface PushedSpackImage {
  name: string;
  version: string;
  hash: string;
  tag: string;
  /** Undefined when the image was kept without asking the registry (see `unchanged`). */
  digest: string | undefined;
  size: number | undefined;
  /**
   * The tag already held this image (same layers): left as it was. When the tag exists and the
   * artifact this push replaces already held every blob the image names, the previous push
   * made (or checked) that image, and it is kept without reading it.
   */
  unchanged: boolean;
  /** The artifact's files (titles) the image is made from: its closure's tarballs, its signed spec and SBOMs. */
  needs?: string[] | undefined;
}

export interface PushedSpackImages {
  images: PushedSpackImage[];
  index: UpdatedSpackIndex | undefined;
  /** Specs without an image, and why (a dependency's tarball is not in this cache). */
  skipped: { hash: string; reason: string }[];
}

export type TarballLayerReader = (spec: CachedSpec) => Promise<TarballLayer>;

/**
 * A memo of tarball facts, so a layer shared by several images is read once; with a digest
 * cache (keyed by file identity), an unchanged tarball is not decompressed again.
 */
export function tarballReader(root: string, known?: DigestCache): TarballLayerReader {
  const memo = new Map<string, Promise<TarballLayer>>();
  // Two tarballs at a time: zlib inflates on libuv's thread pool (4 threads), which the
  // upload's own file reads need too; eight inflating at once left the upload waiting.
  const reading = limit(2);
  return (spec) => {
    let facts = memo.get(spec.tarball);
    if (!facts) {
      const path = join(root, spec.tarball);
      facts = (async () => {
        const stats = await stat(path, { bigint: true });
        const cached = known?.get(path, stats);
        const decoded = cached ? decodeTarballLayer(cached) : undefined;
        if (decoded) return decoded;
        const layer = await reading(() => readTarballLayer(path));
        known?.set(path, stats, encodeTarballLayer(layer));
        return layer;
      })();
      // Read ahead while the blobs upload: a failure is reported when the image needs it.
      facts.catch(() => {});
      memo.set(spec.tarball, facts);
    }
    return facts;
  };
}

/** Runs at most `n` of the given jobs at once, in the order they come. */
function limit(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    // A finished job hands its place straight to the next waiting one.
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * The spec file's JSON as Spack wrote it (key order kept; the signature is not checked here):
 * layout v2 the spec file, v3 the gzip'd spec blob its manifest names.
 */
export async function rawSpecFile(root: string, spec: CachedSpec): Promise<Record<string, unknown>> {
  if (spec.specBlob) {
    const bytes = await readFile(join(root, spec.specBlob));
    const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    return JSON.parse(text) as Record<string, unknown>;
  }
  const text = await readFile(join(root, spec.specFile), 'utf8');
  return JSON.parse(spec.signed || isClearsigned(text) ? signedSpecPayload(text, spec.specFile) : text) as Record<string, unknown>;
}

export interface SpecImagePlan {
  root: SpecNode;
  closureTopo: SpecNode[];
  layers: { spec: CachedSpec; descriptor: LayerDescriptor }[];
}

/** The layers of one spec's image, or why it cannot have one. */
export function planSpecImage(cache: BuildCache, spec: CachedSpec, pushed: ReadonlyMap<string, Descriptor>): SpecImagePlan | string {
  const nodes = spec.document.spec.nodes;
  const root = nodes.find((n) => n.hash === spec.hash);
  if (!root) return 'its spec file does not hold its own node';
  const byHash = new Map(cache.specs.map((s) => [s.hash, s]));
  const layers: SpecImagePlan['layers'] = [];
  for (const node of layerNodes(nodes, [spec.hash])) {
    const cached = byHash.get(node.hash);
    const descriptor = cached?.tarballPresent ? pushed.get(cached.tarball) : undefined;
    if (!cached || !descriptor) return `the tarball of its dependency ${node.name}/${node.hash.slice(0, 7)} is not in this build cache`;
    layers.push({ spec: cached, descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size } });
  }
  return { root, closureTopo: runtimeClosureTopo(nodes, [spec.hash]), layers };
}

/** The image config and its Env for a plan, on a base (Spack's default base when none). */
export async function specImageConfig(
  plan: SpecImagePlan,
  base: BaseImage,
  readLayer: (spec: CachedSpec) => Promise<TarballLayer>,
  extra: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const facts = new Map<string, TarballLayer>();
  for (const layer of plan.layers) facts.set(layer.spec.hash, await readLayer(layer.spec));
  const baseEnv = ((base.config.config as { Env?: string[] } | undefined)?.Env ?? []).filter((e): e is string => typeof e === 'string');
  const env = runEnvironment(
    plan.closureTopo,
    [plan.root],
    {
      prefixOf: (node) => (node.external ? (node.external.path ?? undefined) : facts.get(node.hash)?.prefix),
      isDirectory: (node, rel) => {
        if (node.external) {
          const path = node.external.path;
          return Boolean(path) && isDirectory(rel ? join(path!, rel) : path!);
        }
        const layer = facts.get(node.hash);
        if (!layer?.prefix) return false;
        return rel === '' || layer.inspected.has(rel);
      },
    },
    baseEnv,
  );
  return imageConfig(base, env, plan.layers.map((l) => facts.get(l.spec.hash)!.diffId), extra);
}

function isDirectory(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Spack images being pushed beside the Paks artifact's upload. An image goes as soon as every
 * blob it names (its closure's tarballs, its signed spec and SBOMs) is in the registry, so a
 * push does not end with all of them in a row; index.spack goes last, after the artifact.
 */
export interface SpackImagePush {
  /**
   * One of the Paks artifact's blobs is in the registry (its layer, titled with its path);
   * `inPrevious`: the artifact the tag named before this push listed it too.
   */
  layerPushed(layer: Descriptor, inPrevious?: boolean): void;
  /** After the artifact: the images not pushed yet, then index.spack. */
  finish(layers: readonly Descriptor[]): Promise<PushedSpackImages>;
  /** The artifact failed: waits for the images under way (what they did stays; their errors are dropped). */
  abandon(): Promise<void>;
}

export interface StartSpackImagesOptions {
  client: RegistryClient;
  repository: Repository;
  /** The build cache (still being read while the upload starts: then a promise); undefined: no images. */
  prepared: PreparedSpackImages | undefined | Promise<PreparedSpackImages | undefined>;
  dialect?: SpackDialect;
  reporter?: Reporter | undefined;
}

export function startSpackImages(options: StartSpackImagesOptions): SpackImagePush {
  const { client, repository: repo } = options;
  const pushed = new Map<string, Descriptor>();
  // Files whose blob the artifact this push replaces already had.
  const inPrevious = new Set<string>();
  const jobs = new Map<string, Promise<PushedSpackImage | undefined>>();
  const skipped: PushedSpackImages['skipped'] = [];
  const slot = limit(client.concurrency);
  // One tag listing instead of one GET per image: most pushes add new specs.
  const tagList = client.listTags(repo).then((tags) => new Set(tags));
  const existingTags = tagList.catch(() => new Set<string>());
  // index.spack, when the list has it, is read now, beside the upload, not after the artifact.
  const currentIndex = tagList.then((tags) => (tags.has(INDEX_TAG) ? readSpackIndex(client, repo) : undefined));
  currentIndex.catch(() => {});
  let ready: PreparedSpackImages | undefined;
  // Specs whose image waits for blobs, with the files it needs (undefined: it waits for the end).
  let waiting: { spec: CachedSpec; needs: string[] | undefined }[] = [];
  const needsOf = new Map<string, string[] | undefined>();
  const prepared = Promise.resolve(options.prepared).then((p) => {
    ready = p;
    if (p) {
      waiting = p.cache.specs.filter((s) => s.tarballPresent).map((spec) => ({ spec, needs: filesNeeded(p.cache, spec) }));
      for (const { spec, needs } of waiting) needsOf.set(spec.hash, needs);
      startComplete();
    }
    return p;
  });
  prepared.catch(() => {});
  // Only the images the registry lacks need their layers' diff_ids: read those tarballs ahead.
  Promise.all([prepared, existingTags])
    .then(([p, tags]) => {
      if (!p) return;
      const byHash = new Map(p.cache.specs.map((s) => [s.hash, s]));
      for (const spec of p.cache.specs) {
        const root = spec.tarballPresent ? spec.document.spec.nodes.find((n) => n.hash === spec.hash) : undefined;
        if (!root || tags.has(spackImageTag(root))) continue;
        for (const node of layerNodes(spec.document.spec.nodes, [spec.hash])) {
          const cached = byHash.get(node.hash);
          if (cached?.tarballPresent) void p.readLayer(cached);
        }
      }
    })
    .catch(() => {});

  const start = (spec: CachedSpec) => {
    const job = slot(() => pushImage(spec));
    job.catch(() => {});
    jobs.set(spec.hash, job);
  };
  const startComplete = () => {
    waiting = waiting.filter(({ spec, needs }) => {
      if (!needs?.every((path) => pushed.has(path))) return true;
      start(spec);
      return false;
    });
  };

  async function pushImage(spec: CachedSpec): Promise<PushedSpackImage | undefined> {
    const { cache, readLayer } = ready!;
    // The Spack that wrote the cache decides the image layout: v2 as 0.23 writes it, v3 as 1.x does.
    const dialect = options.dialect ?? spackImageDialect(cache);
    const root = spec.document.spec.nodes.find((n) => n.hash === spec.hash);
    const tagExists = root !== undefined && (await existingTags).has(spackImageTag(root));
    if (tagExists && needsOf.get(spec.hash)?.every((path) => inPrevious.has(path))) {
      return { name: spec.name, version: spec.version, hash: spec.hash, tag: spackImageTag(root), digest: undefined, size: undefined, unchanged: true };
    }
    const plan = planSpecImage(cache, spec, pushed);
    if (typeof plan === 'string') {
      skipped.push({ hash: spec.hash, reason: plan });
      options.reporter?.warn(`No Spack image for ${spec.name}/${spec.hash.slice(0, 7)}: ${plan}.`);
      return undefined;
    }
    const tag = spackImageTag(plan.root);
    const existing = !tagExists ? undefined : await client.getManifest({ ...repo, tag }).catch((error: unknown) => {
      if (error instanceof PaksError && error.kind === 'not-found') return undefined;
      throw error;
    });
    const wanted = plan.layers.map((l) => l.descriptor.digest);
    // Spack's own rule: a spec already in the cache is not pushed again (its base stays too).
    if (existing?.kind === 'manifest' && endsWith(existing.manifest.layers.map((l) => l.digest), wanted)) {
      return { name: spec.name, version: spec.version, hash: spec.hash, tag, digest: existing.digest, size: existing.bytes.length, unchanged: true };
    }
    const architecture = ociArchitectureOf(targetName(plan.root.arch), targetParents(plan.root.arch));
    if (!architecture) {
      skipped.push({ hash: spec.hash, reason: `target ${targetName(plan.root.arch)} has no OCI architecture` });
      return undefined;
    }
    const rootLayer = plan.layers[plan.layers.length - 1]!.descriptor;
    const specFile = await rawSpecFile(cache.root, spec);
    const base = defaultBase(architecture);
    // 1.x: archive_timestamp is when the tarball was made (its file's time), so the same cache gives the same config.
    const made = dialect === '1.1' ? await stat(join(cache.root, spec.tarball)).then((st) => st.mtime.toISOString().replace('Z', '+00:00'), () => undefined) : undefined;
    const config = await specImageConfig(plan, base, readLayer, specConfigFields(dialect, specFile, { checksum: rootLayer.digest.slice('sha256:'.length), size: rootLayer.size, ...(made ? { timestamp: made } : {}) }));
    // A config names this push's own Env and diff_ids: new, so no HEAD first.
    const configBlob = await client.pushBlobBytes(repo, spackJson(config), OCI_IMAGE_CONFIG, { fresh: true });
    const manifest = imageManifest(base, configBlob, plan.layers.map((l) => l.descriptor), { 'org.opencontainers.image.description': specDescription(dialect, plan.root) });
    const put = await client.putManifest(repo, tag, spackJson(manifest), manifest.mediaType);
    // A tag that held no image before: its manifest is new, and so is its referrers tag.
    await attachReferrers(client, repo, { mediaType: manifest.mediaType, digest: put.digest, size: put.size }, specReferrers(spec, pushed), { newSubject: !existing });
    return { name: spec.name, version: spec.version, hash: spec.hash, tag, digest: put.digest, size: put.size, unchanged: false };
  }

  return {
    layerPushed(layer, previous = false) {
      const title = layer.annotations?.[ANNOTATION_TITLE];
      if (!title) return;
      pushed.set(title, layer);
      if (previous) inPrevious.add(title);
      if (ready) startComplete();
    },
    async finish(layers) {
      for (const layer of layers) {
        const title = layer.annotations?.[ANNOTATION_TITLE];
        if (title) pushed.set(title, layer);
      }
      const cache = (await prepared)?.cache;
      if (!cache) return { images: [], index: undefined, skipped };
      for (const { spec } of waiting) start(spec);
      waiting = [];
      const images: PushedSpackImage[] = [];
      // In the cache's order, whichever finished first.
      for (const spec of cache.specs) {
        const image = await jobs.get(spec.hash);
        if (image) images.push({ ...image, needs: needsOf.get(spec.hash) });
      }
      let index: UpdatedSpackIndex | undefined;
      if (images.length) {
        let ours: Buffer;
        try {
          ours = await readCacheIndex(cache);
        } catch {
          const docs = cache.specs.map((s) => ({ hash: s.hash, nodes: (s.document.spec.nodes as unknown[]) as Record<string, unknown>[] }));
          ours = spackJson(databaseOf(docs, cache.layout === 3 ? '8' : '7'));
        }
        try {
          index = await updateSpackIndex(client, repo, ours, options.reporter, currentIndex);
        } catch (error) {
          throw new PaksError(error instanceof PaksError ? error.kind : 'registry', `The Spack images are pushed, but index.spack could not be updated: ${describeError(error)}`, { cause: error });
        }
      }
      return { images, index, skipped };
    },
    async abandon() {
      await Promise.allSettled([prepared, existingTags, currentIndex, ...jobs.values()]);
    },
  };
}

/**
 * The artifact's files an image needs before it can go: its closure's tarballs, and the signed
 * spec and SBOMs it carries as referrers when the cache has them. Undefined when a tarball is
 * missing: that image is decided (skipped) at the end.
 */
function filesNeeded(cache: BuildCache, spec: CachedSpec): string[] | undefined {
  const byHash = new Map(cache.specs.map((s) => [s.hash, s]));
  const needs: string[] = [];
  for (const node of layerNodes(spec.document.spec.nodes, [spec.hash])) {
    const cached = byHash.get(node.hash);
    if (!cached?.tarballPresent) return undefined;
    needs.push(cached.tarball);
  }
  const sboms = sbomPaths(spec);
  for (const path of [...(spec.signed ? [spec.specFile] : []), sboms.cyclonedx, sboms.spdx]) {
    if (statSync(join(cache.root, path), { throwIfNoEntry: false })?.isFile()) needs.push(path);
  }
  return needs;
}

/** Layout v2 caches become images as Spack 0.23 writes them; v3 (Spack 1.x) as Spack 1.1 does. */
export function spackImageDialect(cache: Pick<BuildCache, 'layout'>): SpackDialect {
  return cache.layout === 3 ? '1.1' : '0.23';
}

/**
 * The cache's own Spack database, which is what index.spack holds: v2 `build_cache/index.json`
 * (db v7), v3 the blob `v3/manifests/index/index.manifest.json` names (db v8).
 */
async function readCacheIndex(cache: BuildCache): Promise<Buffer> {
  if (cache.layout === 2) return readFile(join(cache.root, 'build_cache', 'index.json'));
  const { INDEX_MANIFEST, MEDIA_TYPE, blobOf, blobPath, parseManifest } = await import('../buildcache/layout-v3.js');
  const record = blobOf(parseManifest(await readFile(join(cache.root, INDEX_MANIFEST), 'utf8'), INDEX_MANIFEST), MEDIA_TYPE.index, INDEX_MANIFEST);
  const bytes = await readFile(join(cache.root, blobPath(record.checksum)));
  if (createHash('sha256').update(bytes).digest('hex') !== record.checksum) throw new Error(`${INDEX_MANIFEST}: its blob does not match its digest`);
  return bytes;
}

/** What Paks attaches to a spec's image: its clearsigned spec and its SBOMs, when the cache has them. */
export function specReferrers(spec: CachedSpec, pushed: ReadonlyMap<string, Descriptor>): Referrer[] {
  const sboms = sbomPaths(spec);
  const wanted: [string, string][] = [
    ...(spec.signed ? ([[spec.specFile, SPACK_SPEC_SIGNED]] as [string, string][]) : []),
    [sboms.cyclonedx, CYCLONEDX_JSON],
    [sboms.spdx, SPDX_JSON],
  ];
  return wanted.flatMap(([path, artifactType]) => {
    const blob = pushed.get(path);
    return blob ? [{ artifactType, blob, title: path.split('/').pop()!, annotations: { 'dev.paks.spack.hash': spec.hash } }] : [];
  });
}

function endsWith(have: readonly string[], want: readonly string[]): boolean {
  if (have.length < want.length) return false;
  const tail = have.slice(have.length - want.length);
  return tail.every((d, i) => d === want[i]);
}

/** Where tarball facts are remembered between pushes (`<cache_dir>/spack-layers.json`). */
export async function spackLayerCache(cacheDir: string): Promise<DigestCache> {
  const { loadFileDigestCache } = await import('../oci/digest-cache.js');
  return loadFileDigestCache(join(cacheDir, 'spack-layers.json'));
}

/** A build cache about to be pushed, with its tarballs being read ahead. */
export interface PreparedSpackImages {
  cache: BuildCache;
  readLayer: TarballLayerReader;
}

/**
 * Before a Paks artifact of `directory` is pushed: when it is a Spack build cache, start
 * reading its tarballs (the layers' diff_ids) so that work overlaps the upload. Anything that
 * is not a build cache with tarballs gives undefined and is left alone.
 */
export async function prepareSpackImages(directory: string, known?: DigestCache, cache?: BuildCache, options: { readAhead?: boolean } = {}): Promise<PreparedSpackImages | undefined> {
  if (!cache) {
    if (!existsSync(join(directory, 'build_cache')) && !existsSync(join(directory, 'v3', 'layout.json'))) return undefined;
    cache = await readBuildCache(directory);
  }
  const withTarballs = cache.specs.filter((s) => s.tarballPresent);
  if (withTarballs.length === 0) return undefined;
  const readLayer = tarballReader(cache.root, known);
  // Off for a push: startSpackImages reads ahead only what the registry's missing images need.
  if (options.readAhead !== false) for (const spec of withTarballs) void readLayer(spec);
  return { cache, readLayer };
}

/** After the Paks artifact is pushed: the rest of its Spack-native images, and index.spack. */
export async function finishSpackImages(
  images: SpackImagePush,
  repository: Repository,
  layers: readonly Descriptor[],
  reporter?: Reporter,
): Promise<PushedSpackImages> {
  const result = await images.finish(layers);
  const fresh = result.images.filter((i) => !i.unchanged).length;
  if (result.images.length) {
    reporter?.info(
      `Spack images: ${result.images.length} in ${repository.registry}/${repository.repository} (${fresh} new)${result.index ? `; index.spack lists ${result.index.specs} specs` : ''}`,
    );
  }
  return result;
}
