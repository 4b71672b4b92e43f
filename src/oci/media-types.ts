/**
 * Media types Paks reads and writes. Descriptor media types may not carry parameters
 * (image-spec: `type/subtype` only), so the "signed" variant is a distinct subtype.
 */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** Manifest types we ask for when resolving a reference (Accept header order matters little). */
export const ACCEPTED_MANIFEST_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST] as const;
export const INDEX_TYPES: ReadonlySet<string> = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);

/** The empty JSON config blob `{}` that artifacts use instead of an image config. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const EMPTY_CONFIG = {
  mediaType: OCI_EMPTY,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;

/** artifactType of a Paks build cache (its config is the empty descriptor). */
export const PAKS_BUILDCACHE = 'application/vnd.paks.spack.buildcache.v1+json';

export const SPACK_TARBALL = 'application/vnd.paks.spack.tarball.v1.tar+gzip';
export const SPACK_SPEC = 'application/vnd.paks.spack.spec.v1+json';
export const SPACK_SPEC_SIGNED = 'application/vnd.paks.spack.spec.signed.v1+pgp';
export const SPACK_INDEX = 'application/vnd.paks.spack.index.v1+json';
export const SPACK_INDEX_HASH = 'application/vnd.paks.spack.index.hash.v1+text';
export const PGP_KEYS = 'application/pgp-keys';
/** Build-cache layout v3 (Spack 1.x): manifests (the spec ones clearsigned when signed) and layout.json. */
export const SPACK_V3_MANIFEST = 'application/vnd.paks.spack.manifest.v3+json';
export const SPACK_V3_LAYOUT = 'application/vnd.paks.spack.layout.v3+json';
export const CYCLONEDX_JSON = 'application/vnd.cyclonedx+json';
export const SPDX_JSON = 'application/spdx+json';
export const OCTET_STREAM = 'application/octet-stream';

/** Annotation keys (image-spec pre-defined ones and Paks' own under dev.paks.*). */
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
export const ANNOTATION_SOURCE = 'org.opencontainers.image.source';
/** The commit of the source a build was made from (the catalogue links its recipe at that commit). */
export const ANNOTATION_REVISION = 'org.opencontainers.image.revision';
export const ANNOTATION_DESCRIPTION = 'org.opencontainers.image.description';
export const ANNOTATION_VERSION = 'org.opencontainers.image.version';
export const ANNOTATION_SPACK_TARGET = 'dev.paks.spack.target';
export const ANNOTATION_SPACK_OS = 'dev.paks.spack.os';
export const ANNOTATION_SPACK_COMPILER = 'dev.paks.spack.compiler';
/** What a binary runs on without reading its spec: `glibc@2.36` (or `none`), the libc's prefix, and the generic target it needs. */
export const ANNOTATION_SPACK_LIBC = 'dev.paks.spack.libc';
export const ANNOTATION_SPACK_LIBC_PREFIX = 'dev.paks.spack.libc-prefix';
export const ANNOTATION_SPACK_TARGET_FAMILY = 'dev.paks.spack.target-family';

/** RFC 6838 `type/subtype` without parameters, as image-spec's descriptor schema requires. */
export const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** The layer media type for a file of a Spack build cache, by its POSIX path inside the cache. */
export function mediaTypeForPath(relPath: string): string {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  if (name.endsWith('.spack')) return SPACK_TARBALL;
  if (name.endsWith('.spec.json.sig')) return SPACK_SPEC_SIGNED;
  if (name.endsWith('.spec.json')) return SPACK_SPEC;
  if (name === 'index.json.hash') return SPACK_INDEX_HASH;
  if (name.endsWith('.cdx.json')) return CYCLONEDX_JSON;
  if (name.endsWith('.spdx.json')) return SPDX_JSON;
  if (/(^|\/)_pgp\/[^/]+\.pub$/.test(relPath)) return PGP_KEYS;
  if (name === 'index.json') return SPACK_INDEX;
  // Layout v3: blobs are named by digest only, so they stay application/octet-stream.
  if (/^v3\/manifests\/.+\.manifest\.json$/.test(relPath)) return SPACK_V3_MANIFEST;
  if (relPath === 'v3/layout.json') return SPACK_V3_LAYOUT;
  return OCTET_STREAM;
}
