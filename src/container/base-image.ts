/**
 * The base image of a single-package container: pulled by reference, the entry for this
 * platform when it is an index, its config read with its digest checked.
 */
import { PaksError } from '../errors.js';
import type { RegistryClient, Repository } from '../oci/client.js';
import { DOCKER_MANIFEST } from '../oci/media-types.js';
import { formatReference, parseReference } from '../oci/reference.js';
import type { BaseImage } from '../spack-oci/image.js';

export interface ResolvedBase extends BaseImage {
  /** The base image by digest, for messages and labels. */
  reference: string;
  repository: Repository;
}

const MAX_CONFIG = 16 * 1024 * 1024;

export async function resolveBaseImage(registry: RegistryClient, text: string, platform: { os: string; architecture: string }): Promise<ResolvedBase> {
  if (/^[a-z]+:\/\//i.test(text)) {
    throw new PaksError('usage', `"${text}" is not an image reference: give the base image as host/name:tag, without a scheme.`);
  }
  const reference = parseReference(text, { defaultTag: 'latest' });
  const repository = { registry: reference.registry, repository: reference.repository };
  let fetched;
  try {
    fetched = await registry.getManifest(reference);
  } catch (error) {
    if (error instanceof PaksError && error.kind === 'not-found') {
      throw new PaksError('not-found', `The base image ${text} does not exist (the registry has no such manifest).`, { hint: 'Check the name and tag, e.g. with: skopeo inspect docker://' + text });
    }
    throw error;
  }
  const wanted = `${platform.os}/${platform.architecture}`;
  if (fetched.kind === 'index') {
    const entry = fetched.index.manifests.find((m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture);
    if (!entry) {
      const offered = fetched.index.manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}` : '?')).join(', ') || 'nothing';
      throw new PaksError('usage', `The base image ${text} has no entry for ${wanted} (it offers ${offered}).`, { hint: 'Pick a base image built for this platform.' });
    }
    fetched = await registry.getManifest({ ...repository, digest: entry.digest });
    if (fetched.kind !== 'manifest') throw new PaksError('registry', `The entry of ${text} for ${wanted} is not an image manifest.`);
  }
  const manifest = fetched.manifest;
  const config = JSON.parse((await registry.fetchBlobBytes(repository, manifest.config, MAX_CONFIG)).toString('utf8')) as Record<string, unknown>;
  const has = `${String(config.os)}/${String(config.architecture)}`;
  if (has !== wanted) {
    throw new PaksError('usage', `The base image ${text} is for ${has}, but the package is built for ${wanted}.`, { hint: 'Pick a base image built for the package\'s platform.' });
  }
  const layers = manifest.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }));
  return { config, layers, docker: fetched.mediaType === DOCKER_MANIFEST, reference: formatReference({ ...repository, digest: fetched.digest }), repository };
}
