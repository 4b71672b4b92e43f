/**
 * A mirror's index, fetched rarely and read cheaply. Kept in the cache folder under the
 * mirror's URL: the index as downloaded (`index-<sha256>.json`), the compact form Paks
 * searches (`candidates-<sha256>.json`), and `state.json` (when it was last checked, the
 * ETag/Last-Modified of the file that names the index). Within the TTL nothing is asked;
 * after it, one conditional request for that small file; the index itself is downloaded
 * only when its digest changed, checked against that digest as it streams, and parsed once.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PaksError } from '../errors.js';
import { temporarySibling, writeFileAtomic } from '../fs/atomic.js';
import { displayUrl, type UrlFetcher, type Validators } from '../http/fetch-url.js';
import { COMPACT_INDEX_VERSION, CompactIndexBuilder, type CompactIndex } from './candidates.js';
import { InstallRecordScanner } from './index-stream.js';
import type { MirrorLayout } from './layouts.js';
import { describeMirror, mirrorFile, type MirrorLocation } from './location.js';

/** The index pointer is a few hundred bytes; an index of a huge stack is hundreds of MB. */
const MAX_POINTER_BYTES = 64 * 1024;
export const MAX_INDEX_BYTES = 4 * 1024 * 1024 * 1024;

interface IndexState extends Validators {
  url: string;
  digest: string;
  /** ms since the epoch. */
  checkedAt: number;
}

export interface IndexCacheOptions {
  /** The cache_dir setting. */
  cacheDir: string;
  /** The mirror_index_ttl setting, in ms. */
  ttlMs: number;
  now?: () => number;
}

export interface LoadedIndex {
  index: CompactIndex;
  /** `cache`: within the TTL, nothing asked; `not-modified`: the mirror said so; `unchanged`: same digest; `downloaded`. */
  how: 'cache' | 'not-modified' | 'unchanged' | 'downloaded';
}

export function mirrorCacheDir(cacheDir: string, mirror: MirrorLocation, layout: MirrorLayout): string {
  const key = createHash('sha256').update(mirror.root.href).digest('hex').slice(0, 24);
  return join(cacheDir, 'mirrors', key, `v${layout.version}`);
}

/** The compact index of the mirror in this layout, or undefined when the mirror has no index of it. */
export async function loadMirrorIndex(fetcher: UrlFetcher, mirror: MirrorLocation, layout: MirrorLayout, options: IndexCacheOptions): Promise<LoadedIndex | undefined> {
  const now = options.now ?? Date.now;
  const dir = mirrorCacheDir(options.cacheDir, mirror, layout);
  const state = await readState(dir, mirror);
  const cached = state ? await readCompact(dir, state.digest, layout) : undefined;
  if (state && cached && now() - state.checkedAt < options.ttlMs) return { index: cached, how: 'cache' };

  const pointerUrl = mirrorFile(mirror, layout.indexPointer);
  const validators = cached && state ? { ...(state.etag ? { etag: state.etag } : {}), ...(state.lastModified ? { lastModified: state.lastModified } : {}) } : {};
  const pointer = await fetcher.get(pointerUrl, { maxBytes: MAX_POINTER_BYTES, deadlineMs: 30_000, validators });
  if (pointer === 'not-found') return undefined;
  if (pointer === 'not-modified') {
    await saveState(dir, { ...state!, checkedAt: now() });
    return { index: cached!, how: 'not-modified' };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of pointer.body) chunks.push(chunk as Buffer);
  const location = layout.indexFrom(Buffer.concat(chunks), displayUrl(pointerUrl));
  const newState: IndexState = {
    url: mirror.root.href,
    digest: location.sha256,
    checkedAt: now(),
    ...(pointer.etag ? { etag: pointer.etag } : {}),
    ...(pointer.lastModified ? { lastModified: pointer.lastModified } : {}),
  };
  const known = cached?.digest === location.sha256 ? cached : await readCompact(dir, location.sha256, layout);
  if (known) {
    await saveState(dir, newState);
    return { index: known, how: 'unchanged' };
  }
  const index = await downloadIndex(fetcher, mirror, layout, location, dir);
  await saveState(dir, newState);
  await prune(dir, location.sha256);
  return { index, how: 'downloaded' };
}

/** Streams the index to disk while hashing it and cutting out its records; nothing is kept unless the digest matches. */
async function downloadIndex(fetcher: UrlFetcher, mirror: MirrorLocation, layout: MirrorLayout, location: { path: string; sha256: string; size?: number }, dir: string): Promise<CompactIndex> {
  const url = mirrorFile(mirror, location.path);
  const fetched = await fetcher.get(url, { maxBytes: location.size ?? MAX_INDEX_BYTES });
  if (fetched === 'not-found') throw new PaksError('integrity', `${layout.indexPointer} of ${describeMirror(mirror)} names the index ${location.path}, which the mirror does not have.`);
  if (fetched === 'not-modified') throw new PaksError('internal', `${displayUrl(url)} answered 304 to an unconditional request.`);
  await mkdir(dir, { recursive: true });
  const target = join(dir, `index-${location.sha256}.json`);
  const temporary = temporarySibling(target);
  const builder = new CompactIndexBuilder(layout.version);
  const scanner = new InstallRecordScanner((hash, json) => builder.add(hash, json), displayUrl(url));
  const hash = createHash('sha256');
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        hash.update(chunk);
        scanner.write(chunk);
        done(null, chunk);
      } catch (error) {
        done(error as Error);
      }
    },
  });
  try {
    await pipeline(fetched.body, tee, createWriteStream(temporary, { mode: 0o644 }));
    const sha256 = hash.digest('hex');
    if (sha256 !== location.sha256) {
      throw new PaksError('integrity', `The index of ${describeMirror(mirror)} has sha256 ${sha256}, not the ${location.sha256} its ${layout.indexPointer} gives, so Paks did not use it.`, {
        hint: 'The mirror is being updated or is damaged; try again later, or tell its maintainers.',
      });
    }
    scanner.end();
    const index = builder.finish(sha256);
    await writeFileAtomic(join(dir, `candidates-${sha256}.json`), JSON.stringify(index));
    await rename(temporary, target);
    return index;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function readState(dir: string, mirror: MirrorLocation): Promise<IndexState | undefined> {
  try {
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as IndexState;
    return state.url === mirror.root.href && /^[0-9a-f]{64}$/.test(state.digest) && typeof state.checkedAt === 'number' ? state : undefined;
  } catch {
    return undefined;
  }
}

async function readCompact(dir: string, digest: string, layout: MirrorLayout): Promise<CompactIndex | undefined> {
  try {
    const index = JSON.parse(await readFile(join(dir, `candidates-${digest}.json`), 'utf8')) as CompactIndex;
    return index.format === COMPACT_INDEX_VERSION && index.digest === digest && index.layout === layout.version ? index : undefined;
  } catch {
    return undefined;
  }
}

async function saveState(dir: string, state: IndexState): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'state.json'), JSON.stringify(state));
}

/** Indexes of earlier digests go once a newer one is in place. */
async function prune(dir: string, digest: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [])) {
    const match = /^(?:index|candidates)-([0-9a-f]{64})\.json$/.exec(name);
    if (match && match[1] !== digest) await rm(join(dir, name), { force: true });
  }
}
