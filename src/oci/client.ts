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
import { getManifest, getReferrersIndex, listTags, manifestDigest, putManifest, type FetchedManifest, type PutManifestResult } from './manifests.js';
import type { ImageReference } from './reference.js';
import type { Descriptor, ImageIndex } from './schemas.js';
import { createRegistrySession } from './session.js';
import { createHttpTransport, type HttpSend } from './transport/http.js';
import { retryPolicy, type RetryPolicy } from './transport/retry.js';

export type { Repository } from './blob-upload.js';

export interface RegistryClientOptions {
  credentials: CredentialProvider;
  /** true: plain HTTP everywhere; false: HTTPS only; absent: HTTPS, and on loopback plain HTTP when the server does not speak TLS. */
  plainHttp?: boolean;
  /** Blobs moved at once by pushArtifact/pullArtifact (default 4). */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  reporter?: Reporter;
  userAgent?: string;
  upload?: Partial<UploadSettings>;
  /** Known digests of files, so unchanged files are not hashed again. */
  digestCache?: DigestCache;
  /** Extra CA certificates (PEM) trusted for HTTPS, on top of Node's and NODE_EXTRA_CA_CERTS. */
  ca?: readonly string[];
  /** Replaces the HTTP layer (tests). */
  send?: HttpSend;
  /**
   * Connect and first-byte timeout of each request (default 10 s). A registry that does not
   * answer is given up once trying again would start more than 3 × this after its first silent try.
   */
  responseTimeoutMs?: number;
  /** Cancels every request of this client, and the waits between its retries (a bounded look-up). */
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
  /** `fresh`: the bytes are new (e.g. a config just made): skip the HEAD that asks whether the registry has them. */
  pushBlobBytes(repo: Repository, bytes: Buffer, mediaType: string, options?: { fresh?: boolean }): Promise<PushedBlob>;
  getManifest(reference: ImageReference): Promise<FetchedManifest>;
  /** What a tag points to now, or undefined when it does not exist. */
  manifestDigest(reference: ImageReference): Promise<string | undefined>;
  putManifest(repo: Repository, tagOrDigest: string, bytes: Buffer, mediaType: string): Promise<PutManifestResult>;
  /** The OCI 1.1 referrers API's answer for a digest, or undefined when the registry has no such API. */
  referrersIndex(repo: Repository, digest: string): Promise<ImageIndex | undefined>;
  fetchBlobToFile(repo: Repository, descriptor: Descriptor, path: string, options?: BlobProgress): Promise<void>;
  fetchBlobBytes(repo: Repository, descriptor: Descriptor, limit?: number): Promise<Buffer>;
  listTags(repo: Repository): Promise<string[]>;
  /** Saves the digest cache and closes idle connections. */
  close(): Promise<void>;
}

const silentHostsByReporter = new WeakMap<Reporter, Set<string>>();

function silentHostsOf(reporter: Reporter): Set<string> {
  let hosts = silentHostsByReporter.get(reporter);
  if (!hosts) silentHostsByReporter.set(reporter, (hosts = new Set()));
  return hosts;
}

/** How many response timeouts of silence a request waits through before Paks gives up on the registry. */
export const SILENT_TRIES = 3;

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const responseTimeoutMs = options.responseTimeoutMs ?? 10_000;
  const transport = options.send
    ? undefined
    : createHttpTransport({
        maxSockets: concurrency * 2 + 2,
        userAgent: options.userAgent ?? 'paks',
        responseTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.ca ? { ca: options.ca } : {}),
      });
  const send = options.send ?? (transport as NonNullable<typeof transport>).send;
  // The user hears once per host and run (all clients of one reporter), within one timeout, that a registry does not answer.
  const silentHosts = options.reporter ? silentHostsOf(options.reporter) : new Set<string>();
  const retry = retryPolicy({
    maxSilentMs: SILENT_TRIES * responseTimeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    onNoAnswer: (host, message) => {
      if (silentHosts.has(host)) return;
      silentHosts.add(host);
      options.reporter?.warn(message);
    },
    ...options.retry,
  });
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

    async pushBlobBytes(repo, bytes, mediaType, pushOptions = {}) {
      const digest = sha256Of(bytes);
      if (!pushOptions.fresh && (await blobExists(session, repo, digest, true))) return { mediaType, digest, size: bytes.length, pushed: false };
      await uploadBlob(session, { repo, digest, size: bytes.length, source: { kind: 'bytes', bytes } }, upload);
      return { mediaType, digest, size: bytes.length, pushed: true };
    },

    getManifest: (reference) => getManifest(session, reference),
    manifestDigest: (reference) => manifestDigest(session, reference),
    putManifest: (repo, tagOrDigest, bytes, mediaType) => putManifest(session, repo, tagOrDigest, bytes, mediaType),
    referrersIndex: (repo, digest) => getReferrersIndex(session, repo, digest),
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
