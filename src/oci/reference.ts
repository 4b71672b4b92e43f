import { PaksError } from '../errors.js';
import { isDigest } from './digest.js';

/** A parsed `registry/repository[:tag][@digest]`, with docker's defaults applied. */
export interface ImageReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';

// Grammar from the distribution spec / docker reference package.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const MAX_NAME_LENGTH = 255;

function usage(text: string, why: string, hint?: string): PaksError {
  return new PaksError('usage', `"${text}" is not a valid image reference: ${why}.`, {
    hint: hint ?? 'Write it as REGISTRY/NAMESPACE/NAME[:TAG][@sha256:DIGEST], e.g. ghcr.io/org/zlib:1.3.1.',
  });
}

/**
 * Parses an image reference the way docker does: no registry means docker.io, a
 * single-name docker.io repository gets `library/`, and the first component is a
 * registry when it has a dot or a port, or is `localhost`. An `oci://` prefix (Spack's
 * mirror URL form) is accepted. Without tag or digest, `defaultTag` applies.
 */
export function parseReference(text: string, options: { defaultTag?: string } = {}): ImageReference {
  const input = text.trim();
  if (input === '') throw usage(text, 'it is empty');
  if (/[\s\\]/.test(input) || (input.includes('://') && !input.startsWith('oci://'))) {
    throw usage(text, 'it contains spaces, backslashes or a URL scheme other than oci://');
  }
  let rest = input.startsWith('oci://') ? input.slice('oci://'.length) : input;

  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw usage(text, `"${digest}" is not a sha256 or sha512 digest`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw usage(text, `the tag "${tag}" is not allowed`, 'A tag is up to 128 letters, digits, "_", "." or "-", and does not start with "." or "-".');
    }
  }

  let registry = DOCKER_HUB;
  let repository = rest;
  const firstSlash = rest.indexOf('/');
  if (firstSlash >= 0) {
    const first = rest.slice(0, firstSlash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      registry = first;
      repository = rest.slice(firstSlash + 1);
    }
  }
  if (!DOMAIN.test(registry)) throw usage(text, `"${registry}" is not a valid registry host`);
  registry = registry.toLowerCase();
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

  if (repository === '') throw usage(text, 'the repository name is missing');
  const components = repository.split('/');
  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      const hint = component !== component.toLowerCase() ? 'Repository names must be lowercase.' : undefined;
      throw usage(text, `"${component}" is not a valid repository path component`, hint);
    }
  }
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    throw usage(text, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (tag === undefined && digest === undefined && options.defaultTag !== undefined) {
    if (!TAG.test(options.defaultTag)) throw usage(options.defaultTag, 'the default tag is not a valid tag');
    tag = options.defaultTag;
  }
  const reference: ImageReference = { registry, repository };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

export function formatReference(reference: ImageReference): string {
  let text = `${reference.registry}/${reference.repository}`;
  if (reference.tag !== undefined) text += `:${reference.tag}`;
  if (reference.digest !== undefined) text += `@${reference.digest}`;
  return text;
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** What a manifest request names: the digest when there is one (it pins), else the tag. */
export function manifestTarget(reference: ImageReference): string {
  const target = reference.digest ?? reference.tag;
  if (target === undefined) {
    throw new PaksError('usage', `"${formatReference(reference)}" names neither a tag nor a digest.`, {
      hint: 'Add :TAG or @sha256:DIGEST to the reference.',
    });
  }
  return target;
}
