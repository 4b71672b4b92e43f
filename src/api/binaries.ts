/**
 * What the registry holds for each package, read the way `paks build --push` writes it
 * (docs/artifact-format.md): the `<version>` tags are per-platform indexes, each entry a build
 * cache manifest whose annotations say platform, Spack OS, target, compiler and creation time.
 * Only small blobs are read (the root's spec file and the published keys, to say who signed);
 * tarballs never are. Everything named by digest is remembered, so a refresh re-reads only tags.
 */
import { PaksError } from '../errors.js';
import type { RegistryClient } from '../oci/client.js';
import type { FetchedManifest } from '../oci/manifests.js';
import {
  ANNOTATION_CREATED,
  ANNOTATION_REVISION,
  ANNOTATION_SOURCE,
  ANNOTATION_SPACK_COMPILER,
  ANNOTATION_SPACK_LIBC,
  ANNOTATION_SPACK_OS,
  ANNOTATION_SPACK_TARGET_FAMILY,
  ANNOTATION_SPACK_TARGET,
  ANNOTATION_TITLE,
  CYCLONEDX_JSON,
  PAKS_BUILDCACHE,
  PGP_KEYS,
  SPACK_SPEC,
  SPACK_SPEC_SIGNED,
  SPACK_V3_MANIFEST,
  SPDX_JSON,
} from '../oci/media-types.js';
import { mapWithConcurrency } from '../oci/pool.js';
import type { Descriptor, ImageManifest, Platform } from '../oci/schemas.js';
import { isLoopback } from '../oci/transport/http.js';
import { readSpecSigner, type SpecSigner } from '../trust/signer.js';

export interface BlobLink {
  digest: string;
  size: number;
  /** The registry's blob URL (`/v2/<name>/blobs/<digest>`). */
  url: string;
}

// Annotations read when present: the commit and repository that built it (OCI's own keys).
// The C library it needs and its target family are dev.paks.spack.libc (`glibc@2.28` or
// `none`) and dev.paks.spack.target-family on per-platform index entries (docs/artifact-format.md).

export interface Binary {
  platform: Pick<Platform, 'os' | 'architecture' | 'variant'>;
  /** The C library it needs, e.g. glibc, and the oldest version. */
  libc?: string;
  libcVersion?: string;
  /** The generic family its target belongs to (x86_64_v2, aarch64): what the CPU must at least be. */
  targetFamily?: string;
  /** The repository and commit that built it. */
  source?: string;
  revision?: string;
  spackOs?: string;
  target?: string;
  compiler?: string;
  /** Spack's DAG hash of the root spec. */
  hash?: string;
  /** The build's own tag (`<version>-<hash7>`) when the registry has it. */
  tag?: string;
  /** `REGISTRY/NAME@sha256:…`: pulls exactly this build. */
  reference: string;
  digest: string;
  /** Bytes a pull downloads (all layers). */
  size: number;
  created?: string;
  signed: boolean;
  signer?: SpecSigner;
  sbom: { cyclonedx?: BlobLink; spdx?: BlobLink };
}

export interface PackageBinaries {
  /** `REGISTRY/NAMESPACE/NAME` */
  repository: string;
  /** Version → its binaries, one per platform. */
  versions: Map<string, Binary[]>;
}

/** Facts of a manifest, by repository, version and digest (content-addressed, so they never change). */
export type ManifestFactsCache = Map<string, Promise<ManifestFacts>>;

export interface ManifestFacts {
  /** The manifest's own annotations (created, Spack target, OS, compiler). */
  annotations: Record<string, string>;
  size: number;
  root?: { hash: string; signed: boolean; signer?: SpecSigner; sbom: Binary['sbom'] };
}

export interface CollectBinariesOptions {
  client: RegistryClient;
  /** `REGISTRY/NAMESPACE`: package NAME lives at `REGISTRY/NAMESPACE/NAME`. */
  registry: string;
  names: readonly string[];
  /** Tags that are not versions (the default_tag setting, e.g. `latest`). */
  movingTags?: readonly string[];
  concurrency?: number;
  cache?: ManifestFactsCache;
  onPackage?: (name: string) => void;
}

const BUILD_TAG = /-[a-z2-7]{7}$/;
/** Tags beside the Paks artifacts: Spack's own images (`*.spack`, `index.spack`) and referrer fallbacks (`sha256-<hex>`). */
const NOT_A_VERSION_TAG = /\.spack$|^sha256-[0-9a-f]{64}$/;
const SPEC_LIMIT = 4 * 1024 * 1024;
const KEY_LIMIT = 1024 * 1024;

export function splitRegistry(registry: string): { host: string; namespace: string } {
  const text = registry.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  const slash = text.indexOf('/');
  return slash < 0 ? { host: text, namespace: '' } : { host: text.slice(0, slash), namespace: text.slice(slash + 1) };
}

export async function collectBinaries(options: CollectBinariesOptions): Promise<Map<string, PackageBinaries>> {
  const { host, namespace } = splitRegistry(options.registry);
  const cache = options.cache ?? new Map();
  const moving = new Set(options.movingTags ?? ['latest']);
  const results = await mapWithConcurrency(options.names, options.concurrency ?? 4, async (name) => {
    const repo = { registry: host, repository: namespace ? `${namespace}/${name}` : name };
    const found = await packageBinaries(options.client, repo, name, moving, cache);
    options.onPackage?.(name);
    return [name, found] as const;
  });
  return new Map(results);
}

async function packageBinaries(
  client: RegistryClient,
  repo: { registry: string; repository: string },
  name: string,
  moving: ReadonlySet<string>,
  cache: ManifestFactsCache,
): Promise<PackageBinaries> {
  const result: PackageBinaries = { repository: `${repo.registry}/${repo.repository}`, versions: new Map() };
  let tags: string[];
  try {
    tags = await client.listTags(repo);
  } catch (error) {
    // A package nobody pushed yet has no repository in the registry: no binaries, not an error.
    if (error instanceof PaksError && error.kind === 'not-found') return result;
    throw error;
  }
  const tagSet = new Set(tags);
  const versionTags = tags.filter((tag) => !moving.has(tag) && !BUILD_TAG.test(tag) && !NOT_A_VERSION_TAG.test(tag)).sort();
  for (const version of versionTags) {
    let top: FetchedManifest;
    try {
      top = await client.getManifest({ ...repo, tag: version });
    } catch (error) {
      if (error instanceof PaksError && error.kind === 'not-found') continue; // deleted between list and read
      throw error;
    }
    const entries: { descriptor: Descriptor; facts: ManifestFacts }[] = [];
    if (top.kind === 'index') {
      for (const descriptor of top.index.manifests) {
        if (descriptor.mediaType.includes('index')) continue;
        entries.push({ descriptor, facts: await manifestFacts(client, repo, descriptor.digest, name, version, cache) });
      }
    } else {
      // Only a Paks artifact is a binary here (not some other image that shares the repository).
      if (top.manifest.artifactType !== undefined && top.manifest.artifactType !== PAKS_BUILDCACHE) continue;
      // An older push: the tag names one build's manifest directly.
      const descriptor: Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length, ...(top.manifest.annotations ? { annotations: top.manifest.annotations } : {}) };
      const manifest = top.manifest;
      entries.push({ descriptor, facts: await manifestFacts(client, repo, top.digest, name, version, cache, () => factsOf(client, repo, manifest, name, version)) });
    }
    const binaries = entries.map(({ descriptor, facts }) => binaryOf(repo, descriptor, facts, version, tagSet));
    if (binaries.length) result.versions.set(version, binaries);
  }
  return result;
}

function binaryOf(repo: { registry: string; repository: string }, descriptor: Descriptor, facts: ManifestFacts, version: string, tags: ReadonlySet<string>): Binary {
  const annotations = { ...facts.annotations, ...descriptor.annotations };
  const hash = facts.root?.hash;
  const buildTag = hash ? `${version}-${hash.slice(0, 7)}` : undefined;
  const platform = descriptor.platform;
  return {
    platform: { os: platform?.os ?? 'linux', architecture: platform?.architecture ?? 'unknown', ...(platform?.variant ? { variant: platform.variant } : {}) },
    ...(annotations[ANNOTATION_SPACK_OS] ? { spackOs: annotations[ANNOTATION_SPACK_OS] } : {}),
    ...(annotations[ANNOTATION_SPACK_TARGET] ? { target: annotations[ANNOTATION_SPACK_TARGET] } : {}),
    ...(annotations[ANNOTATION_SPACK_COMPILER] ? { compiler: annotations[ANNOTATION_SPACK_COMPILER] } : {}),
    ...libcOfAnnotation(annotations[ANNOTATION_SPACK_LIBC]),
    ...(annotations[ANNOTATION_SPACK_TARGET_FAMILY] ? { targetFamily: annotations[ANNOTATION_SPACK_TARGET_FAMILY] } : {}),
    ...(annotations[ANNOTATION_SOURCE] ? { source: annotations[ANNOTATION_SOURCE] } : {}),
    ...(annotations[ANNOTATION_REVISION] ? { revision: annotations[ANNOTATION_REVISION] } : {}),
    ...(hash ? { hash } : {}),
    ...(buildTag && tags.has(buildTag) ? { tag: buildTag } : {}),
    reference: `${repo.registry}/${repo.repository}@${descriptor.digest}`,
    digest: descriptor.digest,
    size: facts.size,
    ...(facts.annotations[ANNOTATION_CREATED] ? { created: facts.annotations[ANNOTATION_CREATED] } : {}),
    signed: facts.root?.signed ?? false,
    ...(facts.root?.signer ? { signer: facts.root.signer } : {}),
    sbom: facts.root?.sbom ?? {},
  };
}

function manifestFacts(
  client: RegistryClient,
  repo: { registry: string; repository: string },
  digest: string,
  name: string,
  version: string,
  cache: ManifestFactsCache,
  read: () => Promise<ManifestFacts> = () =>
    client.getManifest({ ...repo, digest }).then((fetched) => {
      if (fetched.kind !== 'manifest') throw new PaksError('registry', `${repo.registry}/${repo.repository}@${digest} is an index inside an index, which Paks does not write.`);
      return factsOf(client, repo, fetched.manifest, name, version);
    }),
): Promise<ManifestFacts> {
  // Facts name blob URLs and the root spec, so they belong to one repository and version.
  const key = `${repo.registry}/${repo.repository}:${version}@${digest}`;
  let facts = cache.get(key);
  if (!facts) {
    facts = read();
    // A failure is not remembered: the next refresh asks again.
    facts.catch(() => cache.delete(key));
    cache.set(key, facts);
  }
  return facts;
}

async function factsOf(client: RegistryClient, repo: { registry: string; repository: string }, manifest: ImageManifest, name: string, version: string): Promise<ManifestFacts> {
  const size = manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
  const title = (layer: Descriptor) => layer.annotations?.[ANNOTATION_TITLE] ?? '';
  // The root's spec file: layout v2 `…-<name>-<version>-<hash>.spec.json[.sig]`, v3 the spec manifest
  // `v3/manifests/spec/<name>/<name>-<version>-<hash>.spec.manifest.json` (dependencies travel in the same cache).
  const pattern = new RegExp(`(?:^|/)((?:[^/]*-)?${escapeRegExp(name)}-${escapeRegExp(version)}-([a-z2-7]{32}))\\.spec\\.(?:json(?:\\.sig)?|manifest\\.json)$`);
  const spec = manifest.layers.find((layer) => (layer.mediaType === SPACK_SPEC_SIGNED || layer.mediaType === SPACK_SPEC || layer.mediaType === SPACK_V3_MANIFEST) && pattern.test(title(layer)));
  const annotations = manifest.annotations ?? {};
  if (!spec) return { annotations, size };
  const [, stem, hash] = pattern.exec(title(spec)) as RegExpExecArray;
  const sbomLayer = (suffix: string, mediaType: string) => manifest.layers.find((layer) => layer.mediaType === mediaType && title(layer).endsWith(`${stem}${suffix}`));
  const link = (layer: Descriptor | undefined): BlobLink | undefined => (layer ? { digest: layer.digest, size: layer.size, url: blobUrl(repo, layer.digest) } : undefined);
  const cyclonedx = link(sbomLayer('.cdx.json', CYCLONEDX_JSON));
  const spdx = link(sbomLayer('.spdx.json', SPDX_JSON));
  const root: NonNullable<ManifestFacts['root']> = { hash: hash as string, signed: false, sbom: { ...(cyclonedx ? { cyclonedx } : {}), ...(spdx ? { spdx } : {}) } };
  if (spec.mediaType === SPACK_SPEC_SIGNED || spec.mediaType === SPACK_V3_MANIFEST) {
    const text = (await client.fetchBlobBytes(repo, spec, SPEC_LIMIT)).toString('utf8');
    const keys = spec.mediaType === SPACK_V3_MANIFEST
      ? await v3PublishedKeys(client, repo, manifest, title)
      : await Promise.all(manifest.layers.filter((layer) => layer.mediaType === PGP_KEYS).map((layer) => client.fetchBlobBytes(repo, layer, KEY_LIMIT)));
    const signer = await readSpecSigner(text, keys);
    root.signed = signer !== undefined;
    if (signer) root.signer = signer;
  }
  return { annotations, size, root };
}

/** Layout v3: each `v3/manifests/key/<FPR>.key.manifest.json` names the blob that holds the key. */
async function v3PublishedKeys(client: RegistryClient, repo: { registry: string; repository: string }, manifest: ImageManifest, title: (layer: Descriptor) => string): Promise<Buffer[]> {
  const { MEDIA_TYPE, blobOf, blobPath, parseManifest } = await import('../buildcache/layout-v3.js');
  const keyManifests = manifest.layers.filter((layer) => /^v3\/manifests\/key\/[0-9A-F]{40}\.key\.manifest\.json$/.test(title(layer)));
  const keys: Buffer[] = [];
  for (const layer of keyManifests) {
    try {
      const record = blobOf(parseManifest((await client.fetchBlobBytes(repo, layer, KEY_LIMIT)).toString('utf8'), title(layer)), MEDIA_TYPE.key, title(layer));
      const blob = manifest.layers.find((l) => title(l) === blobPath(record.checksum));
      if (blob) keys.push(await client.fetchBlobBytes(repo, blob, KEY_LIMIT));
    } catch {
      // A key Paks cannot read is not a published key.
    }
  }
  return keys;
}

export function blobUrl(repo: { registry: string; repository: string }, digest: string): string {
  return `${isLoopback(repo.registry) ? 'http' : 'https'}://${repo.registry}/v2/${repo.repository}/blobs/${digest}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `glibc@2.28` → libc glibc, version 2.28; `none` (no libc in the DAG) or absent → nothing. */
function libcOfAnnotation(value: string | undefined): { libc?: string; libcVersion?: string } {
  const match = value ? /^([a-z0-9_-]+)@(.+)$/i.exec(value) : null;
  return match ? { libc: match[1]!, libcVersion: match[2]! } : {};
}
