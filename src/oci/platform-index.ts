import { PaksError } from '../errors.js';
import type { Reporter } from '../ui/reporter.js';
import type { Repository } from './blob-upload.js';
import type { RegistryClient } from './client.js';
import type { FetchedManifest } from './manifests.js';
import { ANNOTATION_SPACK_LIBC, ANNOTATION_SPACK_LIBC_PREFIX, ANNOTATION_SPACK_TARGET_FAMILY, OCI_INDEX } from './media-types.js';
import { platformKey, PLATFORM_ANNOTATIONS } from './platform.js';
import type { Descriptor, ImageIndex, Platform } from './schemas.js';

export { selectFromIndex, platformKey, type IndexSelector } from './platform.js';

export interface AddToPlatformIndexOptions {
  client: RegistryClient;
  repository: Repository;
  /** Tags that become per-platform indexes, e.g. ["1.2.13", "latest"]. */
  tags: readonly string[];
  /** The manifest just pushed (its digest, size, mediaType; artifactType if any). */
  descriptor: Pick<Descriptor, 'mediaType' | 'digest' | 'size'> & { artifactType?: string | undefined };
  platform: Platform;
  /** dev.paks.spack.target / .os / .compiler / .libc / .target-family and anything else to show on the entry. */
  annotations?: Record<string, string>;
  /**
   * The OCI architecture of a Spack target, to place an older plain manifest found under a
   * tag into the new index (the caller knows Spack's targets; this module does not).
   */
  architectureOfTarget?: (target: string) => string | undefined;
  /** Annotations of the index itself. */
  indexAnnotations?: Record<string, string>;
  reporter?: Reporter;
}

export interface UpdatedIndex {
  tag: string;
  digest: string;
  index: ImageIndex;
  /** True when an entry for the same platform was replaced. */
  replaced: boolean;
}

const ATTEMPTS = 3;

/** The annotations an index entry carries over from a plain manifest. */
const ENTRY_ANNOTATIONS = [...PLATFORM_ANNOTATIONS, ANNOTATION_SPACK_LIBC, ANNOTATION_SPACK_LIBC_PREFIX, ANNOTATION_SPACK_TARGET_FAMILY] as const;

/**
 * Points each tag at an image index holding the new manifest beside the other platforms'.
 * Concurrent pushes race: between reading the tag and moving it, another push may move it
 * too. We re-read the tag just before moving it and start over when it changed, which
 * narrows the window to one round trip but cannot close it (the registry API has no
 * compare-and-swap). So each push also reads the tag back after moving it and adds its entry
 * again when a racing push overwrote it; what is left is a racer that lands after that read,
 * which is why CI publishes each package's indexes from one job.
 */
export async function addToPlatformIndex(options: AddToPlatformIndexOptions): Promise<UpdatedIndex[]> {
  const { client, repository } = options;
  const entry: Descriptor = {
    mediaType: options.descriptor.mediaType,
    digest: options.descriptor.digest,
    size: options.descriptor.size,
    platform: options.platform,
    ...(options.descriptor.artifactType ? { artifactType: options.descriptor.artifactType } : {}),
    ...(options.annotations && Object.keys(options.annotations).length ? { annotations: { ...options.annotations } } : {}),
  };
  const key = platformKey(entry);
  const results: UpdatedIndex[] = [];
  for (const tag of options.tags) {
    const reference = { ...repository, tag };
    for (let attempt = 1; ; attempt++) {
      const current = await readTag(client, reference);
      const kept = entriesToKeep(current, options.architectureOfTarget).filter((existing) => platformKey(existing) !== key);
      const replaced = kept.length !== entriesToKeep(current, options.architectureOfTarget).length;
      const index: ImageIndex = {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [...kept, entry],
        ...(options.indexAnnotations && Object.keys(options.indexAnnotations).length ? { annotations: options.indexAnnotations } : {}),
      };
      const bytes = Buffer.from(JSON.stringify(index));
      const now = await client.manifestDigest(reference);
      if (now !== current?.digest) {
        if (attempt >= ATTEMPTS) {
          throw new PaksError('conflict', `Could not update ${repository.registry}/${repository.repository}:${tag}: it kept changing while Paks updated it.`, {
            hint: 'Another push to the same tag is running; try again when it has finished.',
          });
        }
        options.reporter?.debug(`${tag} moved while it was being updated; reading it again`);
        continue;
      }
      const pushed = await client.putManifest(repository, tag, bytes, OCI_INDEX);
      // A push that passed its own check just before ours landed may have overwritten us
      // with an index it read earlier: read the tag back, and add the entry again if it is gone.
      const after = await readTag(client, reference);
      const landed = after?.kind === 'index' && after.index.manifests.some((m) => m.digest === entry.digest);
      if (!landed) {
        if (attempt >= ATTEMPTS) {
          throw new PaksError('conflict', `Could not update ${repository.registry}/${repository.repository}:${tag}: another push kept replacing it.`, {
            hint: 'Another push to the same tag is running; try again when it has finished.',
          });
        }
        options.reporter?.debug(`${tag} lost this platform to a concurrent push; adding it again`);
        continue;
      }
      results.push({ tag, digest: pushed.digest, index, replaced });
      break;
    }
  }
  return results;
}

async function readTag(client: RegistryClient, reference: Repository & { tag: string }): Promise<FetchedManifest | undefined> {
  try {
    return await client.getManifest(reference);
  } catch (error) {
    if (error instanceof PaksError && error.kind === 'not-found') return undefined;
    throw error;
  }
}

/** The entries an update starts from: an index's, or an older plain manifest that says its platform. */
function entriesToKeep(current: FetchedManifest | undefined, architectureOfTarget?: (target: string) => string | undefined): Descriptor[] {
  if (!current) return [];
  if (current.kind === 'index') return current.index.manifests;
  const annotations = current.manifest.annotations ?? {};
  if (!PLATFORM_ANNOTATIONS.some((k) => annotations[k] !== undefined)) return [];
  // What the entry runs on travels with it: readers choose by these without fetching the manifest.
  const platformAnnotations = Object.fromEntries(ENTRY_ANNOTATIONS.filter((k) => annotations[k] !== undefined).map((k) => [k, annotations[k] as string]));
  const target = annotations[PLATFORM_ANNOTATIONS[0]];
  const architecture = target === undefined ? undefined : architectureOfTarget?.(target);
  return [
    {
      mediaType: current.mediaType,
      digest: current.digest,
      size: current.bytes.length,
      ...(architecture ? { platform: { os: 'linux', architecture } } : {}),
      ...(current.manifest.artifactType ? { artifactType: current.manifest.artifactType } : {}),
      annotations: platformAnnotations,
    },
  ];
}
