import type { BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PaksError } from '../errors.js';
import type { Reporter } from '../ui/reporter.js';
import { createAuthorizer } from './auth/authorizer.js';
import type { CredentialProvider } from './auth/credentials.js';
import { createTokenCache } from './auth/token-cache.js';
import { downloadBlobBytes, downloadBlobToFile } from './blob-download.js';
import { blobExists, DEFAULT_UPLOAD, uploadBlob, type Repository, type UploadSettings } from './blob-upload.js';
import { sha256Of } from './digest.js';
import { createHashWorker } from './hash-worker.js';
import { createMemoryDigestCache, type DigestCache } from './digest-cache.js';
import { getManifest, listTags, manifestDigest, putManifest, type FetchedManifest } from './manifests.js';
import type { ImageReference } from './reference.js';
import type { Descriptor } from './schemas.js';
import { createRegistrySession } from './session.js';
import { createHttpTransport, type HttpSend } from './transport/http.js';
import { retryPolicy, type RetryPolicy } from './transport/retry.js';

export type { Repository } from './blob-upload.js';

export interface RegistryClientOptions {
  credentials: CredentialProvider;
  /** true: plain HTTP everywhere; false: HTTPS even on loopback; absent: HTTP only for loopback. */
  plainHttp?: boolean;
  /** Blobs moved at once by pushArtifact/pullArtifact (default 4). */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  reporter?: Reporter;
  userAgent?: string;
  upload?: Partial<UploadSettings>;
  /** Known digests of files, so unchanged files are not hashed again. */
  digestCache?: DigestCache;
  /** Replaces the HTTP layer (tests). */
  send?: HttpSend;
  /** Connect and first-byte timeout of each request (default 10 s). */
  responseTimeoutMs?: number;
  /** Cancels every request of this client (a bounded look-up). */
  signal?: AbortSignal;
}

export interface PushedBlob extends Descriptor {
  /** false when the registry already had it. */
  pushed: boolean;
}

export interface BlobProgress {
  onProgress?: (bytes: number) => void;
}

export interface FilePushOptions extends BlobProgress {
  /** Digests known to be in the repository already (e.g. layers of the manifest being replaced): no HEAD needed. */
  knownDigests?: ReadonlySet<string>;
  /** The file's stats when the caller has them already (from listing the directory). */
  stats?: BigIntStats;
}

/** A native OCI distribution client: blobs, manifests, tags. */
export interface RegistryClient {
  readonly concurrency: number;
  readonly reporter: Reporter | undefined;
  blobExists(repo: Repository, digest: string): Promise<boolean>;
  /** Streams a file up (hashing it first, unless the digest cache knows it); skips blobs already there. */
  pushBlobFromFile(repo: Repository, path: string, mediaType: string, options?: FilePushOptions): Promise<PushedBlob>;
  pushBlobBytes(repo: Repository, bytes: Buffer, mediaType: string): Promise<PushedBlob>;
  getManifest(reference: ImageReference): Promise<FetchedManifest>;
  /** What a tag points to now, or undefined when it does not exist. */
  manifestDigest(reference: ImageReference): Promise<string | undefined>;
  putManifest(repo: Repository, tagOrDigest: string, bytes: Buffer, mediaType: string): Promise<{ digest: string; size: number }>;
  fetchBlobToFile(repo: Repository, descriptor: Descriptor, path: string, options?: BlobProgress): Promise<void>;
  fetchBlobBytes(repo: Repository, descriptor: Descriptor, limit?: number): Promise<Buffer>;
  listTags(repo: Repository): Promise<string[]>;
  /** Saves the digest cache and closes idle connections. */
  close(): Promise<void>;
}

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const transport = options.send
    ? undefined
    : createHttpTransport({
        maxSockets: concurrency * 2 + 2,
        userAgent: options.userAgent ?? 'paks',
        ...(options.responseTimeoutMs ? { responseTimeoutMs: options.responseTimeoutMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
  const send = options.send ?? (transport as NonNullable<typeof transport>).send;
  const retry = retryPolicy(options.retry);
  const authorizer = createAuthorizer({
    credentials: options.credentials,
    send,
    tokenCache: createTokenCache(retry.now),
    retry,
    ...(options.plainHttp === undefined ? {} : { plainHttp: options.plainHttp }),
  });
  const session = createRegistrySession({
    send,
    authorizer,
    retry,
    ...(options.plainHttp === undefined ? {} : { plainHttp: options.plainHttp }),
    ...(options.reporter ? { reporter: options.reporter } : {}),
  });
  const upload: UploadSettings = { ...DEFAULT_UPLOAD, ...options.upload };
  const digests = options.digestCache ?? createMemoryDigestCache();
  const hashWorker = createHashWorker();

  return {
    concurrency,
    reporter: options.reporter,
    blobExists: (repo, digest) => blobExists(session, repo, digest),

    async pushBlobFromFile(repo, path, mediaType, progress = {}) {
      const before = progress.stats ?? (await stat(path, { bigint: true }));
      let digest = digests.get(path, before);
      let size = Number(before.size);
      if (!digest) {
        ({ digest, size } = await hashWorker.hashFile(path));
        const after = await stat(path, { bigint: true });
        if (after.mtimeNs !== before.mtimeNs || after.size !== before.size) {
          throw new PaksError('integrity', `${path} changed while Paks was reading it.`, {
            hint: 'Do not modify the build cache during a push; run the push again.',
          });
        }
        digests.set(path, before, digest);
      }
      if (progress.knownDigests?.has(digest) || (await blobExists(session, repo, digest, true))) {
        progress.onProgress?.(size);
        return { mediaType, digest, size, pushed: false };
      }
      await uploadBlob(session, { repo, digest, size, source: { kind: 'file', path }, ...(progress.onProgress ? { onProgress: progress.onProgress } : {}) }, upload);
      return { mediaType, digest, size, pushed: true };
    },

    async pushBlobBytes(repo, bytes, mediaType) {
      const digest = sha256Of(bytes);
      if (await blobExists(session, repo, digest, true)) return { mediaType, digest, size: bytes.length, pushed: false };
      await uploadBlob(session, { repo, digest, size: bytes.length, source: { kind: 'bytes', bytes } }, upload);
      return { mediaType, digest, size: bytes.length, pushed: true };
    },

    getManifest: (reference) => getManifest(session, reference),
    manifestDigest: (reference) => manifestDigest(session, reference),
    putManifest: (repo, tagOrDigest, bytes, mediaType) => putManifest(session, repo, tagOrDigest, bytes, mediaType),
    fetchBlobToFile: (repo, descriptor, path, progress = {}) =>
      downloadBlobToFile(session, repo, descriptor, path, { ...(progress.onProgress ? { onProgress: progress.onProgress } : {}), hashWorker }),
    fetchBlobBytes: (repo, descriptor, limit) => downloadBlobBytes(session, repo, descriptor, limit),
    listTags: (repo) => listTags(session, repo),
    async close() {
      // Only a cache: a home Paks cannot write to must not fail a push that succeeded.
      await digests.save().catch((error: Error) => options.reporter?.debug(`digest cache not saved: ${error.message}`));
      transport?.close();
      await hashWorker.close();
    },
  };
}
