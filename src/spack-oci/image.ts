/**
 * Spack's own OCI build-cache images, byte for byte as the Spack in use writes them: one image
 * per spec tagged `<name>-<version>-<hash>.spack`, config = the (base) image config plus the
 * spec file's fields, layers = the `.spack` tarballs of the link/run closure, dependencies
 * first. Recorded: Spack 0.23 transcripts 63–66 and 139–148, Spack 1.1 transcripts 63–66.
 */
import type { SpecNode } from '../spack/spec-json.js';
import { targetName } from '../spack/spec-node.js';

export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_IMAGE_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
/** The tag of a mirror's build cache index (its one layer is the index JSON). */
export const INDEX_TAG = 'index.spack';

/** Which Spack's layout to write: 0.23 (layout 2, spec v4) or 1.x (layout 3, spec v5). */
export type SpackDialect = '0.23' | '1.1';

export interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface BaseImage {
  /** The base image config (parsed JSON, kept as it is but for Env and diff_ids). */
  config: Record<string, unknown>;
  layers: LayerDescriptor[];
  /** A Docker v2s2 base makes a Docker manifest (transcript 148). */
  docker: boolean;
}

/** `greet-paks-1.0.0-eus5xxl….spack`. */
export function spackImageTag(node: Pick<SpecNode, 'name' | 'version' | 'hash'>): string {
  return `${node.name}-${node.version}-${node.hash}.spack`;
}

/** Spack's default base when none is given: no layers, an empty Env. */
export function defaultBase(architecture: string): BaseImage {
  return { config: { architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Env: [] } }, layers: [], docker: false };
}

export interface ArchiveFacts {
  /** sha256 hex of the compressed tarball (the layer digest). */
  checksum: string;
  size: number;
  /** 1.x only: when the archive was made, ISO 8601 with offset. */
  timestamp?: string;
}

/**
 * The per-spec fields Spack adds to the config (`spec.to_dict()` plus the build cache
 * fields). `specFile` is the spec file's JSON as Spack wrote it (`{spec, …}`), so the
 * nodes keep Spack's key order.
 */
export function specConfigFields(dialect: SpackDialect, specFile: Record<string, unknown>, archive: ArchiveFacts): Record<string, unknown> {
  if (dialect === '0.23') {
    return { spec: specFile.spec, buildcache_layout_version: 2, binary_cache_checksum: { hash_algorithm: 'sha256', hash: archive.checksum } };
  }
  // 1.1 (transcript 66): the archive fields, then the spec last.
  return {
    buildcache_layout_version: 3,
    binary_cache_checksum: { hash_algorithm: 'sha256', hash: archive.checksum },
    archive_size: archive.size,
    archive_timestamp: archive.timestamp ?? new Date().toISOString().replace('Z', '+00:00'),
    archive_compression: 'gzip',
    spec: specFile.spec,
  };
}

/** A deep copy of the base config with Spack's two changes (Env, diff_ids) and the extra fields last. */
export function imageConfig(base: BaseImage, env: readonly string[], diffIds: readonly string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const config = structuredClone(base.config);
  const inner = (config.config && typeof config.config === 'object' ? config.config : (config.config = {})) as Record<string, unknown>;
  inner.Env = [...env];
  const rootfs = (config.rootfs && typeof config.rootfs === 'object' ? config.rootfs : (config.rootfs = { type: 'layers', diff_ids: [] })) as { diff_ids?: string[] };
  rootfs.diff_ids = [...(rootfs.diff_ids ?? []), ...diffIds];
  return Object.assign(config, extra);
}

export interface ImageManifestJson {
  mediaType: string;
  schemaVersion: 2;
  config: LayerDescriptor;
  layers: LayerDescriptor[];
  annotations?: Record<string, string>;
}

/** The manifest as Spack writes it (key order mediaType, schemaVersion, config, layers, annotations). */
export function imageManifest(base: BaseImage, config: LayerDescriptor, spackLayers: readonly LayerDescriptor[], annotations?: Record<string, string>): ImageManifestJson {
  const layerType = base.docker ? DOCKER_LAYER_GZIP : OCI_LAYER_GZIP;
  const manifest: ImageManifestJson = {
    mediaType: base.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json',
    schemaVersion: 2,
    config: { mediaType: base.docker ? DOCKER_IMAGE_CONFIG : OCI_IMAGE_CONFIG, digest: config.digest, size: config.size },
    layers: [...base.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })), ...spackLayers.map((l) => ({ mediaType: layerType, digest: l.digest, size: l.size }))],
  };
  // A Docker manifest has no annotations (transcript 148).
  if (annotations && !base.docker) manifest.annotations = annotations;
  return manifest;
}

/** Spack's JSON: compact separators, keys in insertion order. */
export function spackJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

const FLAG_NAMES = ['cflags', 'cppflags', 'cxxflags', 'fflags', 'ldflags', 'ldlibs'];

/**
 * The spec string Spack puts in `org.opencontainers.image.description`:
 * 0.23 `greet-paks@=1.0.0%gcc@=12.2.0 build_system=makefile arch=linux-debian12-icelake`,
 * 1.1 `greet-paks@=1.0.0 build_system=makefile platform=linux os=debian12 target=zen2`.
 */
export function specDescription(dialect: SpackDialect, node: SpecNode): string {
  const parameters = node.parameters as Record<string, unknown>;
  let text = `${node.name}@=${node.version}`;
  if (dialect === '0.23' && node.compiler) text += `%${node.compiler.name}@=${node.compiler.version}`;
  for (const flag of FLAG_NAMES) {
    const value = parameters[flag];
    if (Array.isArray(value) && value.length) text += ` ${flag}="${value.join(' ')}"`;
  }
  const names = Object.keys(parameters).filter((k) => !FLAG_NAMES.includes(k)).sort();
  const bools = names.filter((k) => typeof parameters[k] === 'boolean');
  const values = names.filter((k) => typeof parameters[k] !== 'boolean');
  text += bools.map((k) => `${parameters[k] ? '+' : '~'}${k}`).join('');
  for (const k of values) {
    const value = parameters[k];
    // Spack prints patch hashes abbreviated to 7 characters.
    const shown = Array.isArray(value) ? value.map((v) => (k === 'patches' ? String(v).slice(0, 7) : String(v))).join(',') : String(value);
    text += ` ${k}=${shown}`;
  }
  const target = targetName(node.arch);
  text += dialect === '0.23' ? ` arch=${node.arch.platform}-${node.arch.platform_os}-${target}` : ` platform=${node.arch.platform} os=${node.arch.platform_os} target=${target}`;
  return text;
}
