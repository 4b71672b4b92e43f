/**
 * OCI 1.1 referrers: small manifests whose `subject` is another manifest (a signature, an
 * SBOM), so any OCI tool can find what is attached to an image. Registries without the
 * referrers API (docker-registry 2.8, older ghcr.io paths) get the tag-schema fallback of the
 * distribution spec: an image index tagged `sha256-<hex of the subject digest>` that lists
 * the referrers, updated read–modify–write.
 */
import type { RegistryClient, Repository } from './client.js';
import { sha256Of } from './digest.js';
import { ANNOTATION_TITLE, EMPTY_CONFIG, OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import type { Descriptor, ImageIndex } from './schemas.js';

export interface Referrer {
  artifactType: string;
  /** The blob it carries (already in the repository). */
  blob: Descriptor;
  title?: string;
  annotations?: Record<string, string>;
}

/** `sha256-<hex>`: the fallback tag for a subject digest. */
export function referrersTag(subjectDigest: string): string {
  return subjectDigest.replace(':', '-');
}

/** The referrer manifest: deterministic (no creation time), so attaching twice changes nothing. */
export function referrerManifest(subject: Descriptor, referrer: Referrer): Record<string, unknown> {
  const layer: Descriptor = { mediaType: referrer.blob.mediaType, digest: referrer.blob.digest, size: referrer.blob.size };
  if (referrer.title) layer.annotations = { [ANNOTATION_TITLE]: referrer.title };
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: referrer.artifactType,
    config: { ...EMPTY_CONFIG },
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
  };
  if (referrer.annotations && Object.keys(referrer.annotations).length) manifest.annotations = referrer.annotations;
  return manifest;
}

// The empty config is pushed once per repository and client, not once per referrer.
const emptyConfigPushed = new WeakMap<RegistryClient, Map<string, Promise<unknown>>>();

function pushEmptyConfig(client: RegistryClient, repo: Repository): Promise<unknown> {
  let perRepo = emptyConfigPushed.get(client);
  if (!perRepo) emptyConfigPushed.set(client, (perRepo = new Map()));
  const key = `${repo.registry}/${repo.repository}`;
  let pushed = perRepo.get(key);
  if (!pushed) {
    pushed = client.pushBlobBytes(repo, Buffer.from(EMPTY_CONFIG.data, 'base64'), EMPTY_CONFIG.mediaType);
    pushed.catch(() => perRepo!.delete(key));
    perRepo.set(key, pushed);
  }
  return pushed;
}

/**
 * Attaches referrers to a subject manifest; returns their digests. `newSubject`: the subject
 * was just pushed for the first time, so its fallback tag cannot list anything yet.
 */
export async function attachReferrers(client: RegistryClient, repo: Repository, subject: Descriptor, referrers: readonly Referrer[], options: { newSubject?: boolean } = {}): Promise<string[]> {
  if (referrers.length === 0) return [];
  await pushEmptyConfig(client, repo);
  // The referrers do not depend on each other: all at once (their order is kept in the index).
  const puts = await Promise.all(
    referrers.map(async (referrer) => {
      const bytes = Buffer.from(JSON.stringify(referrerManifest(subject, referrer)));
      return { referrer, put: await client.putManifest(repo, sha256Of(bytes), bytes, OCI_MANIFEST) };
    }),
  );
  const indexed = puts.every(({ put }) => put.subjectAccepted);
  const entries: Descriptor[] = puts.map(({ referrer, put }) => ({
    mediaType: OCI_MANIFEST,
    digest: put.digest,
    size: put.size,
    artifactType: referrer.artifactType,
    ...(referrer.annotations ? { annotations: referrer.annotations } : {}),
  }));
  if (!indexed) await addToReferrersTag(client, repo, subject.digest, entries, Boolean(options.newSubject));
  return entries.map((e) => e.digest);
}

async function addToReferrersTag(client: RegistryClient, repo: Repository, subjectDigest: string, entries: readonly Descriptor[], newSubject: boolean): Promise<void> {
  const tag = referrersTag(subjectDigest);
  if (newSubject) {
    await client.putManifest(repo, tag, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries })), OCI_INDEX);
    return;
  }
  for (let attempt = 1; ; attempt++) {
    const before = await client.manifestDigest({ ...repo, tag });
    let index: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    if (before) {
      const current = await client.getManifest({ ...repo, digest: before });
      if (current.kind === 'index') index = { ...current.index, manifests: [...current.index.manifests] };
    }
    const known = new Set(index.manifests.map((m) => m.digest));
    const missing = entries.filter((e) => !known.has(e.digest));
    if (missing.length === 0) return;
    index.manifests.push(...missing);
    if ((await client.manifestDigest({ ...repo, tag })) !== before && attempt < 3) continue;
    await client.putManifest(repo, tag, Buffer.from(JSON.stringify(index)), OCI_INDEX);
    return;
  }
}

/** The referrers of a manifest: the referrers API when the registry has it, else the fallback tag. */
export async function listReferrers(client: RegistryClient, repo: Repository, subjectDigest: string, artifactType?: string): Promise<Descriptor[]> {
  let index = await client.referrersIndex(repo, subjectDigest).catch(() => undefined);
  if (!index) {
    const tag = referrersTag(subjectDigest);
    const digest = await client.manifestDigest({ ...repo, tag });
    if (digest) {
      const fetched = await client.getManifest({ ...repo, digest });
      if (fetched.kind === 'index') index = fetched.index;
    }
  }
  const found = index?.manifests ?? [];
  return artifactType ? found.filter((m) => m.artifactType === artifactType) : found;
}
