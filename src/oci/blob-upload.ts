import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { PaksError } from '../errors.js';
import type { RegistrySession } from './session.js';
import { TransientError, withRetry } from './transport/retry.js';

export interface Repository {
  registry: string;
  repository: string;
}

export interface UploadSettings {
  /** Blobs larger than this go up in PATCH chunks instead of one PUT (default 512 MiB). */
  chunkThreshold: number;
  /** Size of each PATCH (default 64 MiB; raised to the registry's OCI-Chunk-Min-Length). */
  chunkSize: number;
}

export const DEFAULT_UPLOAD: UploadSettings = { chunkThreshold: 512 * 1024 * 1024, chunkSize: 64 * 1024 * 1024 };

/** Where a blob's bytes come from: a file on disk (streamed) or bytes in memory. */
export type BlobSource = { kind: 'file'; path: string } | { kind: 'bytes'; bytes: Buffer };

export interface BlobUpload {
  repo: Repository;
  digest: string;
  size: number;
  source: BlobSource;
  onProgress?: (bytes: number) => void;
}

const blobsPath = (repo: Repository) => `/v2/${repo.repository}/blobs`;

export async function blobExists(session: RegistrySession, repo: Repository, digest: string, push = false): Promise<boolean> {
  const response = await session.request({
    method: 'HEAD',
    registry: repo.registry,
    repository: repo.repository,
    push,
    target: `${blobsPath(repo)}/${digest}`,
    expect: [200, 404],
    what: `check for blob ${short(digest)} in ${repo.registry}/${repo.repository}`,
  });
  await response.discard();
  return response.status === 200;
}

/**
 * Uploads one blob whose digest is already known (the registry checks the bytes against
 * it). A broken upload starts again from a fresh upload session; before each retry the
 * blob is looked for, since the last attempt may have landed without us hearing it.
 */
export async function uploadBlob(session: RegistrySession, upload: BlobUpload, settings: UploadSettings = DEFAULT_UPLOAD): Promise<void> {
  const what = `push blob ${short(upload.digest)} to ${upload.repo.registry}/${upload.repo.repository}`;
  let chunked = upload.size > settings.chunkThreshold;
  await withRetry(
    async (attempt) => {
      if (attempt > 1 && (await blobExists(session, upload.repo, upload.digest, true))) return;
      try {
        await uploadOnce(session, upload, settings, chunked, what);
      } catch (error) {
        // A registry that refuses large single PUTs (413) gets the chunked protocol instead.
        if (!chunked && error instanceof PaksError && /\(413\)/.test(error.message)) {
          chunked = true;
          throw new TransientError(error, 0);
        }
        throw error;
      }
    },
    session.retry,
    { what, host: upload.repo.registry, onRetry: (message) => session.reporter?.debug(message) },
  );
}

async function uploadOnce(session: RegistrySession, upload: BlobUpload, settings: UploadSettings, chunked: boolean, what: string): Promise<void> {
  const { repo } = upload;
  const common = { registry: repo.registry, repository: repo.repository, push: true, what, retry: false } as const;
  const started = await session.request({
    ...common,
    method: 'POST',
    target: `${blobsPath(repo)}/uploads/`,
    headers: { 'content-length': '0' },
    body: () => Buffer.alloc(0),
    expect: [202],
  });
  await started.discard();
  let location = uploadLocation(started.header('location'), started.url, what);
  let sent = 0;
  const progress = (bytes: number) => {
    sent += bytes;
    upload.onProgress?.(bytes);
  };
  const rewind = () => {
    upload.onProgress?.(-sent);
    sent = 0;
  };

  try {
    if (chunked) {
      const minChunk = Number(started.header('oci-chunk-min-length') ?? 0);
      const chunkSize = Math.max(settings.chunkSize, Number.isFinite(minChunk) ? minChunk : 0);
      for (let start = 0; start < upload.size; start += chunkSize) {
        const end = Math.min(start + chunkSize, upload.size);
        const response = await session.request({
          ...common,
          method: 'PATCH',
          target: location,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(end - start),
            'content-range': `${start}-${end - 1}`,
          },
          body: () => bodyFor(upload, start, end, progress),
          expect: [202],
        });
        await response.discard();
        location = uploadLocation(response.header('location') ?? location.href, response.url, what);
      }
      const finished = await session.request({
        ...common,
        method: 'PUT',
        target: withDigest(location, upload.digest),
        headers: { 'content-length': '0' },
        body: () => Buffer.alloc(0),
        expect: [201],
      });
      await finished.discard();
    } else {
      const finished = await session.request({
        ...common,
        method: 'PUT',
        target: withDigest(location, upload.digest),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(upload.size) },
        body: () => bodyFor(upload, 0, upload.size, progress),
        expect: [201],
      });
      await finished.discard();
    }
  } catch (error) {
    rewind();
    throw error;
  }
}

/** The bytes [start, end) of the blob, refusing a file that grew or shrank underneath us. */
function bodyFor(upload: BlobUpload, start: number, end: number, progress: (bytes: number) => void): Readable | Buffer {
  if (upload.source.kind === 'bytes') {
    progress(end - start);
    return upload.source.bytes.subarray(start, end);
  }
  if (end === start) return Buffer.alloc(0);
  const path = upload.source.path;
  const expected = end - start;
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      progress(chunk.length);
      callback(null, chunk);
    },
    flush(callback) {
      if (seen !== expected) {
        callback(new PaksError('integrity', `${path} changed size while it was being pushed (read ${start + seen} of ${end} bytes).`, { hint: 'Do not modify the build cache during a push; run the push again.' }));
      } else callback();
    },
  });
  const file = createReadStream(path, { start, end: end - 1, highWaterMark: 256 * 1024 });
  file.on('error', (error) => guard.destroy(error));
  guard.on('close', () => file.destroy());
  return file.pipe(guard);
}

function uploadLocation(location: string | undefined, base: URL, what: string): URL {
  if (!location) throw new PaksError('registry', `Could not ${what}: the registry did not say where to upload (no Location header).`);
  return new URL(location, base);
}

function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url;
}

export function short(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest : `${digest.slice(0, colon + 13)}`;
}
