import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import { PaksError } from '../errors.js';
import { callGitHub, failedStatus, hasErrorCode } from './errors.js';
import { formatRepository, type GitHubRepository } from './repository.js';
import { parseAnswer, releaseAssetSchema, releaseSchema } from './schemas.js';
import type { z } from 'zod';

const WRITE = 'contents: write';
const READ = 'contents: read';

export interface ReleaseAsset {
  id: number;
  name: string;
  label: string | null;
  size: number;
  contentType: string;
  /** "sha256:<hex>" as GitHub computes it; null for assets uploaded before GitHub kept digests. */
  digest: string | null;
  downloadUrl: string;
  /** The API URL of the asset. */
  url: string;
}

export interface Release {
  id: number;
  tag: string;
  name: string | null;
  body: string;
  draft: boolean;
  prerelease: boolean;
  htmlUrl: string;
  /** The URI template assets are uploaded to (it names GitHub's upload host). */
  uploadUrl: string;
  targetCommitish: string;
  createdAt: string;
  publishedAt: string | null;
  assets: ReleaseAsset[];
}

function toAsset(raw: z.infer<typeof releaseAssetSchema>): ReleaseAsset {
  return {
    id: raw.id,
    name: raw.name,
    label: raw.label ?? null,
    size: raw.size,
    contentType: raw.content_type,
    digest: raw.digest ?? null,
    downloadUrl: raw.browser_download_url,
    url: raw.url,
  };
}

function toRelease(value: unknown, what: string): Release {
  const raw = parseAnswer(releaseSchema, value, what);
  return {
    id: raw.id,
    tag: raw.tag_name,
    name: raw.name,
    body: raw.body ?? '',
    draft: raw.draft,
    prerelease: raw.prerelease,
    htmlUrl: raw.html_url,
    uploadUrl: raw.upload_url,
    targetCommitish: raw.target_commitish,
    createdAt: raw.created_at,
    publishedAt: raw.published_at,
    assets: raw.assets.map(toAsset),
  };
}

/**
 * The release for a tag, or undefined when there is none. GitHub finds only published
 * releases by tag; with `includeDrafts` the release list is searched for a draft as well
 * (drafts are visible to tokens with contents: write).
 */
export async function findReleaseByTag(octokit: Octokit, repository: GitHubRepository, tag: string, options: { includeDrafts?: boolean } = {}): Promise<Release | undefined> {
  const what = `look up the release ${tag} of ${formatRepository(repository)}`;
  const published = await callGitHub({ what, repository, permission: READ }, async () => {
    try {
      const response = await octokit.rest.repos.getReleaseByTag({ ...repository, tag });
      return toRelease(response.data, what);
    } catch (error) {
      if (failedStatus(error) === 404) return undefined;
      throw error;
    }
  });
  if (published || !options.includeDrafts) return published;
  const releases = await listReleases(octokit, repository, { includeDrafts: true });
  return releases.find((release) => release.draft && release.tag === tag);
}

export interface ListReleasesOptions {
  /** Drafts are left out unless asked for (only tokens with push access see them anyway). */
  includeDrafts?: boolean;
  /** Stop after this many releases (newest first). */
  limit?: number;
}

/** Releases, newest first, across all pages; `prerelease` flags pre-releases. */
export async function listReleases(octokit: Octokit, repository: GitHubRepository, options: ListReleasesOptions = {}): Promise<Release[]> {
  const what = `list the releases of ${formatRepository(repository)}`;
  const limit = options.limit ?? Infinity;
  return callGitHub({ what, repository, permission: READ }, async () => {
    const releases: Release[] = [];
    for await (const page of octokit.paginate.iterator(octokit.rest.repos.listReleases, { ...repository, per_page: 100 })) {
      for (const raw of page.data) {
        const release = toRelease(raw, what);
        if (release.draft && !options.includeDrafts) continue;
        releases.push(release);
        if (releases.length >= limit) return releases;
      }
    }
    return releases;
  });
}

export interface ReleaseFields {
  tag: string;
  name?: string;
  body?: string;
  prerelease?: boolean;
  draft?: boolean;
  /** Branch or commit the tag is created from when it does not exist yet (default: the default branch). */
  targetCommitish?: string;
  makeLatest?: 'true' | 'false' | 'legacy';
}

export interface EnsuredRelease {
  release: Release;
  action: 'created' | 'updated' | 'unchanged';
}

function differs(release: Release, fields: ReleaseFields): boolean {
  return (
    (fields.name !== undefined && fields.name !== release.name) ||
    (fields.body !== undefined && fields.body !== release.body) ||
    (fields.prerelease !== undefined && fields.prerelease !== release.prerelease) ||
    (fields.draft !== undefined && fields.draft !== release.draft)
  );
}

/**
 * The release for `fields.tag` (a draft with that tag counts), created when missing and
 * updated when its name, body or flags differ: running it twice never makes a second release.
 * For "nothing half-released": ensure it as a draft, upload the assets, then ensure it with
 * `draft: false`. A create that failed in passing
 * (5xx, or GitHub saying the tag's release already exists) is resolved by looking again.
 */
export async function ensureRelease(octokit: Octokit, repository: GitHubRepository, fields: ReleaseFields): Promise<EnsuredRelease> {
  const existing = await findReleaseByTag(octokit, repository, fields.tag, { includeDrafts: true });
  if (existing) return updateIfNeeded(octokit, repository, existing, fields);
  const what = `create the release ${fields.tag} on ${formatRepository(repository)}`;
  const create = () =>
    octokit.rest.repos.createRelease({
      ...repository,
      tag_name: fields.tag,
      ...(fields.name !== undefined ? { name: fields.name } : {}),
      ...(fields.body !== undefined ? { body: fields.body } : {}),
      ...(fields.prerelease !== undefined ? { prerelease: fields.prerelease } : {}),
      ...(fields.draft !== undefined ? { draft: fields.draft } : {}),
      ...(fields.targetCommitish !== undefined ? { target_commitish: fields.targetCommitish } : {}),
      ...(fields.makeLatest !== undefined ? { make_latest: fields.makeLatest } : {}),
    });
  return callGitHub({ what, repository, permission: WRITE }, async () => {
    try {
      return { release: toRelease((await create()).data, what), action: 'created' as const };
    } catch (error) {
      const status = failedStatus(error);
      const passing = status === undefined || status >= 500;
      if (!passing && !(status === 422 && hasErrorCode(error, 'already_exists'))) throw error;
      // It may have been made after all (or by a parallel run): look before trying once more.
      const now = await findReleaseByTag(octokit, repository, fields.tag, { includeDrafts: true });
      if (now) return updateIfNeeded(octokit, repository, now, fields);
      if (!passing) throw error;
      return { release: toRelease((await create()).data, what), action: 'created' as const };
    }
  });
}

async function updateIfNeeded(octokit: Octokit, repository: GitHubRepository, release: Release, fields: ReleaseFields): Promise<EnsuredRelease> {
  if (!differs(release, fields)) return { release, action: 'unchanged' };
  const updated = await updateRelease(octokit, repository, release.id, fields);
  return { release: updated, action: 'updated' };
}

/** Changes a release's name, body or flags. */
export async function updateRelease(octokit: Octokit, repository: GitHubRepository, releaseId: number, fields: Partial<ReleaseFields>): Promise<Release> {
  const what = `update the release ${fields.tag ?? releaseId} on ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: WRITE }, async () => {
    const response = await octokit.rest.repos.updateRelease({
      ...repository,
      release_id: releaseId,
      ...(fields.name !== undefined ? { name: fields.name } : {}),
      ...(fields.body !== undefined ? { body: fields.body } : {}),
      ...(fields.prerelease !== undefined ? { prerelease: fields.prerelease } : {}),
      ...(fields.draft !== undefined ? { draft: fields.draft } : {}),
      ...(fields.makeLatest !== undefined ? { make_latest: fields.makeLatest } : {}),
    });
    return toRelease(response.data, what);
  });
}

/** Every asset of a release, across pages. */
export async function listReleaseAssets(octokit: Octokit, repository: GitHubRepository, releaseId: number): Promise<ReleaseAsset[]> {
  const what = `list the assets of release ${releaseId} on ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: READ }, async () => {
    const assets: ReleaseAsset[] = [];
    for await (const page of octokit.paginate.iterator(octokit.rest.repos.listReleaseAssets, { ...repository, release_id: releaseId, per_page: 100 })) {
      for (const raw of page.data) assets.push(toAsset(parseAnswer(releaseAssetSchema, raw, what)));
    }
    return assets;
  });
}

export async function deleteReleaseAsset(octokit: Octokit, repository: GitHubRepository, asset: Pick<ReleaseAsset, 'id' | 'name'>): Promise<void> {
  const what = `delete the asset ${asset.name} on ${formatRepository(repository)}`;
  await callGitHub({ what, repository, permission: WRITE }, async () => {
    try {
      await octokit.rest.repos.deleteReleaseAsset({ ...repository, asset_id: asset.id });
    } catch (error) {
      if (failedStatus(error) !== 404) throw error; // already gone
    }
  });
}

export interface AssetUpload {
  name: string;
  data: Uint8Array;
  contentType?: string;
  label?: string;
}

export interface UploadedAsset {
  asset: ReleaseAsset;
  /** `unchanged`: an asset of that name with the same sha256 was already there. */
  action: 'uploaded' | 'replaced' | 'unchanged';
}

/**
 * The name GitHub gives an uploaded asset: it renames names with special characters and
 * leading or trailing periods (its upload docs), so Paks uploads and looks up this one.
 */
export function gitHubAssetName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '.').replace(/^\.+|\.+$/g, '');
}

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Puts one file on a release under `name` (as GitHub renames it, see gitHubAssetName): uploaded when missing, left alone when the same
 * bytes are there (same digest), replaced (delete, then upload) when they differ.
 * The upload goes to the release's own `upload_url`, which names GitHub's upload host.
 */
export async function uploadReleaseAsset(octokit: Octokit, repository: GitHubRepository, release: Pick<Release, 'id' | 'tag' | 'uploadUrl'>, upload: AssetUpload): Promise<UploadedAsset> {
  const name = gitHubAssetName(upload.name);
  if (!name) throw new PaksError('usage', `The release asset name "${upload.name}" has no letters or digits; GitHub cannot store it under a name.`);
  const assets = await listReleaseAssets(octokit, repository, release.id);
  const digest = sha256Digest(upload.data);
  const existing = assets.find((asset) => asset.name === name);
  if (existing && existing.digest === digest && existing.size === upload.data.byteLength) return { asset: existing, action: 'unchanged' };
  if (existing) await deleteReleaseAsset(octokit, repository, existing);
  const what = `upload ${name} to the release ${release.tag} on ${formatRepository(repository)}`;
  const asset = await callGitHub({ what, repository, permission: WRITE }, async () => {
    const response = await octokit.request({
      method: 'POST',
      url: release.uploadUrl,
      name,
      ...(upload.label !== undefined ? { label: upload.label } : {}),
      data: upload.data,
      headers: { 'content-type': upload.contentType ?? 'application/octet-stream', 'content-length': upload.data.byteLength },
    });
    return toAsset(parseAnswer(releaseAssetSchema, response.data, what));
  });
  return { asset, action: existing ? 'replaced' : 'uploaded' };
}
