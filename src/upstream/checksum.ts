/**
 * The sha256 of an upstream tarball: downloaded once, streamed into the hash (never held in
 * memory or on disk), bounded in size, in silence and in total time. It is the only download:
 * `spack checksum` cannot be handed a file (it fetches into a bare stage, without mirrors or
 * the source cache), so Paks does not ask it to download the tarball a second time.
 */
import { createHash } from 'node:crypto';
import { PaksError } from '../errors.js';

/** Source tarballs larger than this are refused unless the caller allows more. */
export const DEFAULT_MAX_TARBALL_BYTES = 2 * 1024 ** 3;
/** A download still arriving after this long is stopped, however steadily it trickles. */
export const DEFAULT_DOWNLOAD_DEADLINE_MS = 30 * 60_000;

export interface TarballDigest {
  url: string;
  sha256: string;
  bytes: number;
}

export interface DownloadOptions {
  maxBytes?: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  userAgent?: string;
  /** Give up when the server sends nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Give up when the whole download takes longer than this (default 30 min). */
  deadlineMs?: number;
}

export async function tarballSha256(url: string, options: DownloadOptions = {}): Promise<TarballDigest> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_TARBALL_BYTES;
  if (!/^https?:\/\//.test(url)) throw new PaksError('usage', `Paks downloads tarballs over http(s) only, not ${url}.`);
  // A server that stops sending, or sends too slowly to ever finish, is given up on, not waited for.
  const stop = new AbortController();
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const deadlineMs = options.deadlineMs ?? DEFAULT_DOWNLOAD_DEADLINE_MS;
  let why: 'idle' | 'deadline' | undefined;
  const giveUp = (reason: 'idle' | 'deadline') => () => {
    why ??= reason;
    stop.abort();
  };
  let idle = setTimeout(giveUp('idle'), idleMs);
  const deadline = setTimeout(giveUp('deadline'), deadlineMs);
  const received = { bytes: 0 };
  const touch = (bytes: number) => {
    received.bytes = bytes;
    clearTimeout(idle);
    idle = setTimeout(giveUp('idle'), idleMs);
  };
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  try {
    return await streamSha256(url, maxBytes, stop.signal, touch, options);
  } catch (error) {
    if (why && !options.signal?.aborted && !(error instanceof PaksError)) {
      if (why === 'idle') throw new PaksError('network', `Could not download ${url}: the server sent nothing for ${seconds(idleMs)} seconds.`);
      throw new PaksError('network', `Could not download ${url}: it was still arriving after ${seconds(deadlineMs)} seconds (${formatBytes(received.bytes)} so far), so Paks stopped.`, {
        hint: 'The server is too slow to finish; try again later.',
      });
    }
    throw error;
  } finally {
    clearTimeout(idle);
    clearTimeout(deadline);
  }
}

const seconds = (ms: number) => Number((ms / 1000).toFixed(1));

async function streamSha256(url: string, maxBytes: number, signal: AbortSignal, touch: (received: number) => void, options: DownloadOptions): Promise<TarballDigest> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { redirect: 'follow', signal, headers: { 'user-agent': options.userAgent ?? 'paks' } });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new PaksError('network', `Could not download ${url}: ${networkReason(error)}.`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new PaksError('network', `Could not download ${url}: the server answered ${response.status}${response.status === 404 ? ' (not found)' : ''}.`, {
      hint: 'The release may not have its tarball yet; paks update tries again on its next run.',
    });
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(url, declared, maxBytes);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const reader = response.body?.getReader();
  if (!reader) throw new PaksError('network', `Could not download ${url}: the response has no body.`);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      touch(bytes);
      if (bytes > maxBytes) {
        await reader.cancel();
        throw tooLarge(url, bytes, maxBytes);
      }
      hash.update(value);
    }
  } catch (error) {
    if (error instanceof PaksError || signal.aborted) throw error;
    throw new PaksError('network', `Could not download ${url}: ${networkReason(error)}.`);
  }
  if (Number.isFinite(declared) && declared !== bytes) {
    throw new PaksError('network', `Could not download ${url}: the server announced ${declared} bytes and sent ${bytes}.`);
  }
  return { url, sha256: hash.digest('hex'), bytes };
}

function tooLarge(url: string, bytes: number, maxBytes: number): PaksError {
  return new PaksError('integrity', `${url} is larger than ${formatBytes(maxBytes)} (${bytes >= maxBytes ? 'at least ' : ''}${formatBytes(bytes)}), so Paks did not checksum it.`, {
    hint: 'A source tarball this large is unusual; check the URL, or raise the limit with --max-download-size.',
  });
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'the connection was refused';
  if (cause?.code === 'ENOTFOUND') return 'the host name does not resolve';
  return (cause?.message ?? (error as Error).message ?? String(error)).replace(/\.$/, '');
}
