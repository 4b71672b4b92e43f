import { PaksError } from '../errors.js';
import type { Repository } from './blob-upload.js';
import { digestOfBytesLike, sha256Of } from './digest.js';
import { ACCEPTED_MANIFEST_TYPES, INDEX_TYPES, OCI_INDEX } from './media-types.js';
import { formatReference, manifestTarget, type ImageReference } from './reference.js';
import type { ImageIndex, ImageManifest } from './schemas.js';
import { isImageIndex, isImageManifest, isTagList } from './shape-check.js';
import type { RegistrySession } from './session.js';
import { withRetry } from './transport/retry.js';

/** Registries (distribution) refuse manifests over 4 MiB; we read a little more at most. */
const MANIFEST_LIMIT = 8 * 1024 * 1024;

interface FetchedBase {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}
export type FetchedManifest = (FetchedBase & { kind: 'manifest'; manifest: ImageManifest }) | (FetchedBase & { kind: 'index'; index: ImageIndex });

const manifestsPath = (repo: Repository, target: string) => `/v2/${repo.repository}/manifests/${target}`;

/**
 * Fetches what a reference names. By digest, the bytes must hash to it; by tag, they must
 * hash to the Docker-Content-Digest the registry announces (when it announces one).
 */
export async function getManifest(session: RegistrySession, reference: ImageReference): Promise<FetchedManifest> {
  const target = manifestTarget(reference);
  const what = `read ${formatReference(reference)}`;
  // The whole exchange is retried: a connection can also break while the body arrives.
  return withRetry(() => fetchOnce(session, reference, target, what), session.retry, { what, host: reference.registry });
}

async function fetchOnce(session: RegistrySession, reference: ImageReference, target: string, what: string): Promise<FetchedManifest> {
  const response = await session.request({
    method: 'GET',
    registry: reference.registry,
    repository: reference.repository,
    target: manifestsPath(reference, target),
    headers: { accept: ACCEPTED_MANIFEST_TYPES.join(', ') },
    expect: [200],
    what,
    retry: false,
  });
  const bytes = await response.bytes(MANIFEST_LIMIT);
  let digest: string;
  if (reference.digest) {
    digest = digestOfBytesLike(reference.digest, bytes);
    if (digest !== reference.digest) throw integrity(what, `its content hashes to ${digest}`);
  } else {
    digest = sha256Of(bytes);
    const announced = response.header('docker-content-digest');
    if (announced?.startsWith('sha256:') && announced !== digest) {
      throw integrity(what, `the registry announced ${announced} but the content hashes to ${digest}`);
    }
  }
  return await parseManifestBytes(bytes, digest, headerMediaType(response.header('content-type')), what);
}

export async function parseManifestBytes(bytes: Buffer, digest: string, contentType: string | undefined, what: string): Promise<FetchedManifest> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new PaksError('registry', `Could not ${what}: the manifest is not JSON.`);
  }
  const declared = typeof json === 'object' && json !== null && 'mediaType' in json ? String((json as { mediaType: unknown }).mediaType) : undefined;
  const looksLikeIndex = typeof json === 'object' && json !== null && 'manifests' in json;
  const mediaType = declared ?? contentType ?? (looksLikeIndex ? ACCEPTED_MANIFEST_TYPES[1] : ACCEPTED_MANIFEST_TYPES[0]);
  if (INDEX_TYPES.has(mediaType) || (looksLikeIndex && !('layers' in (json as object)))) {
    if (isImageIndex(json)) return { kind: 'index', digest, mediaType, bytes, index: json };
    const parsed = (await import('./schemas.js')).indexSchema.safeParse(json);
    if (!parsed.success) throw invalid(what, 'image index', parsed.error.issues);
    return { kind: 'index', digest, mediaType, bytes, index: parsed.data };
  }
  if (!(ACCEPTED_MANIFEST_TYPES as readonly string[]).includes(mediaType)) {
    throw new PaksError('registry', `Could not ${what}: it is a ${mediaType}, which Paks does not read.`, {
      hint: 'Paks reads OCI (and docker v2) image manifests and indexes.',
    });
  }
  if (isImageManifest(json)) return { kind: 'manifest', digest, mediaType, bytes, manifest: json };
  const parsed = (await import('./schemas.js')).manifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(what, 'manifest', parsed.error.issues);
  return { kind: 'manifest', digest, mediaType, bytes, manifest: parsed.data };
}

/** The digest a tag points to now (HEAD), or undefined when the tag does not exist. */
export async function manifestDigest(session: RegistrySession, reference: ImageReference): Promise<string | undefined> {
  const response = await session.request({
    method: 'HEAD',
    registry: reference.registry,
    repository: reference.repository,
    target: manifestsPath(reference, manifestTarget(reference)),
    headers: { accept: ACCEPTED_MANIFEST_TYPES.join(', ') },
    expect: [200, 404],
    what: `check ${formatReference(reference)}`,
  });
  await response.discard();
  if (response.status === 404) return undefined;
  const announced = response.header('docker-content-digest');
  if (announced) return announced;
  const fetched = await getManifest(session, reference);
  return fetched.digest;
}

/** Pushes manifest bytes under a tag or digest; returns the digest of what was pushed. */
export async function putManifest(session: RegistrySession, repo: Repository, tagOrDigest: string, bytes: Buffer, mediaType: string): Promise<PutManifestResult> {
  const digest = sha256Of(bytes);
  const what = `push the manifest ${formatReference({ ...repo, ...(tagOrDigest.includes(':') ? { digest: tagOrDigest } : { tag: tagOrDigest }) })}`;
  const response = await session.request({
    method: 'PUT',
    registry: repo.registry,
    repository: repo.repository,
    push: true,
    target: manifestsPath(repo, tagOrDigest),
    headers: { 'content-type': mediaType },
    body: () => bytes,
    expect: [201],
    what,
  });
  await response.discard();
  const announced = response.header('docker-content-digest');
  if (announced?.startsWith('sha256:') && announced !== digest) {
    throw integrity(what, `the registry stored ${announced} instead of ${digest}`);
  }
  // OCI-Subject: the registry indexed the manifest's subject itself (referrers API).
  return { digest, size: bytes.length, subjectAccepted: Boolean(response.header('oci-subject')) };
}

export interface PutManifestResult {
  digest: string;
  size: number;
  /** The registry answered with OCI-Subject: it serves the referrers API for this subject. */
  subjectAccepted: boolean;
}

/**
 * The referrers of a manifest from the OCI 1.1 referrers API, or undefined when the registry
 * has no such API (404), as docker-registry 2.8 has not.
 */
export async function getReferrersIndex(session: RegistrySession, repo: Repository, digest: string): Promise<ImageIndex | undefined> {
  const what = `list the referrers of ${repo.registry}/${repo.repository}@${digest}`;
  const response = await session.request({
    method: 'GET',
    registry: repo.registry,
    repository: repo.repository,
    target: `/v2/${repo.repository}/referrers/${digest}`,
    headers: { accept: OCI_INDEX },
    expect: [200, 404],
    what,
  });
  if (response.status === 404) {
    await response.discard();
    return undefined;
  }
  const body = await response.bytes(MANIFEST_LIMIT);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (isImageIndex(json)) return json;
  const parsed = (await import('./schemas.js')).indexSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Every tag of a repository, following `Link: <…>; rel="next"` pages. */
export async function listTags(session: RegistrySession, repo: Repository): Promise<string[]> {
  const tags: string[] = [];
  let target: string | URL = `/v2/${repo.repository}/tags/list?n=1000`;
  const what = `list the tags of ${repo.registry}/${repo.repository}`;
  for (let page = 0; page < 1000; page++) {
    const pageTarget: string | URL = target;
    const { tags: found, next } = await withRetry(
      async () => {
        const response = await session.request({ method: 'GET', registry: repo.registry, repository: repo.repository, target: pageTarget, expect: [200], what, retry: false });
        const link = response.header('link');
        const body = (await response.bytes(16 * 1024 * 1024)).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const parsed = isTagList(json) ? { success: true as const, data: json } : (await import('./schemas.js')).tagListSchema.safeParse(json);
        if (!parsed.success) throw new PaksError('registry', `The tag list of ${repo.registry}/${repo.repository} is not in the expected form.`);
        const nextLink = link ? /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link)?.[1] : undefined;
        return { tags: parsed.data.tags ?? [], next: nextLink ? new URL(nextLink, response.url) : undefined };
      },
      session.retry,
      { what, host: repo.registry },
    );
    tags.push(...found);
    if (!next) break;
    target = next;
  }
  return tags;
}

function headerMediaType(value: string | undefined): string | undefined {
  const type = value?.split(';')[0]?.trim();
  return type || undefined;
}

function integrity(what: string, why: string): PaksError {
  return new PaksError('integrity', `Could not ${what}: ${why}.`, {
    hint: 'The registry or something on the way changed the manifest; do not trust this reference until that is explained.',
  });
}

function invalid(what: string, kind: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): PaksError {
  const first = issues[0];
  const where = first ? ` (${first.path.map(String).join('.') || 'top level'}: ${first.message})` : '';
  return new PaksError('registry', `Could not ${what}: it is not a valid ${kind}${where}.`);
}
