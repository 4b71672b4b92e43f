import { randomBytes } from 'node:crypto';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PaksError } from '../errors.js';
import { short, type Repository } from './blob-upload.js';
import { hasherFor } from './digest.js';
import type { HashWorker, StreamHasher } from './hash-worker.js';
import type { Descriptor } from './schemas.js';
import type { RegistrySession } from './session.js';
import { withRetry } from './transport/retry.js';

const blobTarget = (repo: Repository, digest: string) => `/v2/${repo.repository}/blobs/${digest}`;

/** A temporary name beside `path` (same directory, so the final rename is atomic). */
export function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.paks-${randomBytes(6).toString('hex')}.partial`);
}

/**
 * Streams a blob to `path`: bytes go to a temporary sibling while their size and digest
 * are checked, and the file is renamed into place only when both match. On any failure
 * the temporary file is removed; a broken connection restarts the download.
 *
 * Blobs under 1 MiB are read into memory, checked, and written in one call. Larger ones
 * go through the hash worker, which hashes each 1 MiB batch and writes it to the file, so
 * the main thread only receives.
 */
export async function downloadBlobToFile(
  session: RegistrySession,
  repo: Repository,
  descriptor: Descriptor,
  path: string,
  options: { onProgress?: (bytes: number) => void; hashWorker: HashWorker },
): Promise<void> {
  const { onProgress, hashWorker } = options;
  const what = `download blob ${short(descriptor.digest)} from ${repo.registry}/${repo.repository}`;
  const algorithm = descriptor.digest.startsWith('sha512:') ? 'sha512' : 'sha256';
  hasherFor(descriptor.digest); // an unsupported digest is refused before any request
  await withRetry(
    async () => {
      const temp = temporaryBeside(path);
      let received = 0;
      const count = (bytes: number) => {
        received += bytes;
        onProgress?.(bytes);
      };
      try {
        const response = await getBlob(session, repo, descriptor, what);
        if (descriptor.size < WORKER_MIN) {
          const bytes = await readExactly(response.body, descriptor, what, count);
          checkBytes(bytes, descriptor, what);
          await writeFile(temp, bytes, { flag: 'wx', mode: 0o644 });
        } else {
          const file = await open(temp, 'wx', 0o644);
          let sink: StreamHasher | undefined;
          try {
            sink = hashWorker.stream(algorithm, { fd: file.fd });
            await pipeline(response.body, verifyingSink(descriptor, what, count, sink));
          } catch (error) {
            // The descriptor is closed only once the worker is done with it.
            await sink?.abort();
            throw error;
          } finally {
            await file.close();
          }
        }
        await rename(temp, path);
      } catch (error) {
        onProgress?.(-received);
        await rm(temp, { force: true });
        throw error;
      }
    },
    session.retry,
    { what, host: repo.registry, onRetry: (message) => session.reporter?.debug(message) },
  );
}

/** The whole body, failing as soon as it is longer than the descriptor says. */
async function readExactly(body: Readable, descriptor: Descriptor, what: string, onBytes: (bytes: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > descriptor.size) {
      body.destroy();
      throw mismatch(what, descriptor, size);
    }
    onBytes(chunk.length);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

/** One GET of a blob; the callers retry it as a whole (a broken stream starts over). */
function getBlob(session: RegistrySession, repo: Repository, descriptor: Descriptor, what: string) {
  return session.request({
    method: 'GET',
    registry: repo.registry,
    repository: repo.repository,
    target: blobTarget(repo, descriptor.digest),
    expect: [200],
    what,
    retry: false,
  });
}

/** A small blob (manifest-sized) read into memory and verified. */
export async function downloadBlobBytes(session: RegistrySession, repo: Repository, descriptor: Descriptor, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const what = `download blob ${short(descriptor.digest)} from ${repo.registry}/${repo.repository}`;
  if (descriptor.size > limit) {
    throw new PaksError('usage', `Could not ${what}: it is ${descriptor.size} bytes, more than the ${limit} Paks reads into memory.`);
  }
  return withRetry(
    async () => {
      const response = await getBlob(session, repo, descriptor, what);
      const bytes = await response.bytes(descriptor.size);
      checkBytes(bytes, descriptor, what);
      return bytes;
    },
    session.retry,
    { what, host: repo.registry },
  );
}

export function checkBytes(bytes: Buffer, descriptor: Descriptor, what: string): void {
  const hasher = hasherFor(descriptor.digest);
  hasher.update(bytes);
  const actual = hasher.finish();
  if (bytes.length !== descriptor.size || actual !== descriptor.digest) throw mismatch(what, descriptor, bytes.length, actual);
}

function mismatch(what: string, descriptor: Descriptor, size: number, digest?: string): PaksError {
  const detail =
    size !== descriptor.size
      ? `expected ${descriptor.size} bytes, received ${size}${size > descriptor.size ? ' or more' : ''}`
      : `expected ${descriptor.digest}, received ${digest}`;
  return new PaksError('integrity', `Could not ${what}: the content does not match its descriptor (${detail}). Nothing was kept.`, {
    hint: 'The registry or something on the way sent different bytes. Try again; if it persists, the artifact is damaged or tampered with.',
  });
}

/** Blobs at least this big are hashed and written by the worker thread, beside the network I/O. */
const WORKER_MIN = 1024 * 1024;

/** Hands bytes to the worker while counting them; fails as soon as they cannot match. */
function verifyingSink(descriptor: Descriptor, what: string, onBytes: (bytes: number) => void, sink: StreamHasher): Writable {
  let size = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > descriptor.size) return callback(mismatch(what, descriptor, size));
      onBytes(chunk.length);
      const full = sink.update(chunk);
      if (!full) return callback();
      full.then(() => callback(), callback);
    },
    final(callback) {
      if (size !== descriptor.size) return callback(mismatch(what, descriptor, size));
      sink.finish().then(
        (actual) => callback(actual === descriptor.digest ? null : mismatch(what, descriptor, size, actual)),
        callback,
      );
    },
  });
}
