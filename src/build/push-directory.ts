/**
 * `paks push DIR REF`: a folder as one Paks artifact and, when it is a Spack build cache, its
 * specs as Spack-native images beside it. Everything is loaded when needed: an unchanged
 * re-push of a build cache (the push record) reads no spec file and loads no build-cache code.
 */
import type { PaksClient } from '../client.js';
import { ANNOTATION_TITLE } from '../oci/media-types.js';
import type { DirectoryFile } from '../oci/directory-files.js';
import type { PushedArtifact } from '../oci/artifact.js';
import type { ImageReference } from '../oci/reference.js';
import type { Descriptor } from '../oci/schemas.js';
import type { PushedSpackImages } from '../spack-oci/push-images.js';
import type { SpackPushRecord } from '../spack-oci/push-record.js';

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
export async function pushDirectory(client: PaksClient, directory: string, reference: ImageReference, options: PushDirectoryOptions = {}): Promise<PushedArtifact> {
  if (options.spackImages === false) return (await pushArtifactAndImages(client, directory, reference, options, undefined)).artifact;
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
    : await pushArtifactAndImages(client, directory, reference, options, { files });
  if (pushed.images?.index && pushed.images.skipped.length === 0 && pushed.images.images.every((i) => i.needs)) {
    const { images, index } = pushed.images;
    await record.writePushRecord(recordFile, key, { images: images.map((i) => ({ tag: i.tag, needs: i.needs! })), index: { digest: index.digest, specs: index.specs } });
  }
  return pushed.artifact;
}

interface PushedDirectory {
  artifact: PushedArtifact;
  /** What the Spack-image step did; undefined when it was skipped (no images, or the registry held the record's). */
  images: PushedSpackImages | undefined;
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
  reference: ImageReference,
  options: PushDirectoryOptions,
  files: readonly DirectoryFile[],
  last: SpackPushRecord,
): Promise<PushedDirectory> {
  const [{ pushArtifact }, { registryMatches }, { INDEX_TAG }] = await Promise.all([import('../oci/artifact.js'), import('../spack-oci/push-record.js'), import('../spack-oci/image.js')]);
  const registry = await client.registryClient({ plainHttp: options.plainHttp, concurrency: options.concurrency });
  const repository = { registry: reference.registry, repository: reference.repository };
  try {
    const tags = registry.listTags(repository).then((list) => new Set(list));
    const index = registry.manifestDigest({ ...repository, tag: INDEX_TAG });
    tags.catch(() => {});
    index.catch(() => {});
    const layers: [Descriptor, boolean][] = [];
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

/** The artifact and, unless told not to, the Spack images beside its upload: how a first push goes. */
async function pushArtifactAndImages(
  client: PaksClient,
  directory: string,
  reference: ImageReference,
  options: PushDirectoryOptions,
  listed: { files: readonly DirectoryFile[] } | undefined,
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
