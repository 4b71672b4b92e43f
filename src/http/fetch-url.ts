/**
 * Reading one resource by URL (`https://…` or `file://…`), always bounded: at most `maxBytes`
 * bytes, a deadline for small answers, and Node's idle timeout for the rest. Conditional
 * requests (ETag, Last-Modified) let a cached copy be kept when nothing changed; a file URL
 * answers the same way, with its size and modification time as the validator.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, Readable, Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PaksError } from '../errors.js';
import { createHttpTransport, type HttpResponse, type HttpTransport } from '../oci/transport/http.js';
import { networkFailure } from '../oci/transport/retry.js';

export interface Validators {
  etag?: string;
  lastModified?: string;
}

export interface FetchedResource extends Validators {
  url: URL;
  /** Ends with an error once more than `maxBytes` arrive. */
  body: Readable;
  /** The announced size, when the server gave one. */
  size?: number;
}

export interface GetOptions {
  /** Refuse a body larger than this. */
  maxBytes: number;
  /** Give up if the whole answer has not arrived by then (small resources: keys, manifests). */
  deadlineMs?: number;
  /** Send If-None-Match / If-Modified-Since: `not-modified` comes back when they still hold. */
  validators?: Validators;
}

export type GetResult = FetchedResource | 'not-modified' | 'not-found';

export interface UrlFetcher {
  get(url: URL, options: GetOptions): Promise<GetResult>;
  /** The whole body (undefined on 404), within the size bound and the deadline (default 30 s). */
  bytes(url: URL, options: Omit<GetOptions, 'validators'>): Promise<Buffer | undefined>;
  close(): void;
}

export interface UrlFetcherOptions {
  /** Extra CA certificates (PEM), e.g. from the registry_ca_file setting. */
  ca?: readonly string[];
  userAgent?: string;
  /** Seconds to connect and start answering (the registry_timeout setting). */
  responseTimeoutMs?: number;
}

const MAX_REDIRECTS = 5;
const DEFAULT_DEADLINE_MS = 30_000;

/** Only https:// and file:// are read: a mirror over plain HTTP could be changed on the way. */
export function parseSourceUrl(text: string, what = 'the URL'): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PaksError('usage', `${what} "${text}" is not a URL; give an https:// or file:// URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'file:') {
    throw new PaksError('usage', `${what} "${text}" uses ${url.protocol.replace(/:$/, '')}; Paks reads only https:// and file:// URLs, so nothing can be changed on the way.`);
  }
  if (url.username || url.password) throw new PaksError('usage', `${what} must not carry a user name or password.`);
  return url;
}

/** A URL for messages: never the query (it may carry a token). */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function createUrlFetcher(options: UrlFetcherOptions = {}): UrlFetcher {
  let transport: HttpTransport | undefined;
  const open = () =>
    createHttpTransport({ maxSockets: 8, userAgent: options.userAgent ?? 'paks', ...(options.ca?.length ? { ca: options.ca } : {}), ...(options.responseTimeoutMs ? { responseTimeoutMs: options.responseTimeoutMs } : {}) });

  const get = async (url: URL, getOptions: GetOptions): Promise<GetResult> => {
    if (url.protocol === 'file:') return getFile(url, getOptions);
    if (url.protocol !== 'https:') throw new PaksError('usage', `Paks reads only https:// and file:// URLs, not ${displayUrl(url)}.`);
    transport ??= open();
    const { send } = transport;
    // The deadline: connecting and the first byte are bounded by the transport (registry_timeout);
    // past the deadline a body still arriving is cut off, and an answer arriving is dropped.
    let expired = false;
    let reading: Transform | undefined;
    const timer = getOptions.deadlineMs
      ? setTimeout(() => {
          expired = true;
          reading?.destroy(deadlineError(url, getOptions.deadlineMs!));
        }, getOptions.deadlineMs)
      : undefined;
    timer?.unref();
    const finish = () => clearTimeout(timer);
    try {
      let current = url;
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = { accept: '*/*' };
        if (getOptions.validators?.etag) headers['if-none-match'] = getOptions.validators.etag;
        if (getOptions.validators?.lastModified) headers['if-modified-since'] = getOptions.validators.lastModified;
        let response: HttpResponse;
        try {
          response = await send({ method: 'GET', url: current, headers });
        } catch (error) {
          throw networkFailure(error, { what: `read ${displayUrl(current)}`, host: current.host });
        }
        if (expired) {
          response.body.destroy();
          throw deadlineError(current, getOptions.deadlineMs!);
        }
        if ([301, 302, 303, 307, 308].includes(response.status) && response.header('location')) {
          await response.discard();
          const next = new URL(response.header('location')!, current);
          if (next.protocol !== 'https:') throw new PaksError('network', `${displayUrl(current)} redirects to ${next.protocol.replace(/:$/, '')}; Paks follows redirects only to https://.`);
          if (hop >= MAX_REDIRECTS) throw new PaksError('network', `${displayUrl(url)} redirects more than ${MAX_REDIRECTS} times; Paks gave up.`);
          current = next;
          continue;
        }
        if (response.status === 304) {
          await response.discard();
          finish();
          return 'not-modified';
        }
        if (response.status === 404 || response.status === 410) {
          await response.discard();
          finish();
          return 'not-found';
        }
        if (response.status !== 200) {
          await response.discard();
          throw new PaksError('network', `${displayUrl(current)} answered HTTP ${response.status}.`, { hint: 'Check the URL, and that the server is up, then try again.' });
        }
        const announced = Number(response.header('content-length') ?? NaN);
        if (Number.isFinite(announced) && announced > getOptions.maxBytes) {
          response.body.destroy();
          throw tooLarge(current, getOptions.maxBytes);
        }
        const body = limitBytes(current, getOptions.maxBytes);
        reading = body;
        pipeline(response.body, body, () => undefined);
        body.on('close', finish);
        const etag = response.header('etag');
        const lastModified = response.header('last-modified');
        return { url: current, body, ...(Number.isFinite(announced) ? { size: announced } : {}), ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
      }
    } catch (error) {
      finish();
      throw error;
    }
  };

  return {
    get,
    async bytes(url, bytesOptions) {
      const result = await get(url, { ...bytesOptions, deadlineMs: bytesOptions.deadlineMs ?? DEFAULT_DEADLINE_MS });
      if (result === 'not-found') return undefined;
      if (result === 'not-modified') throw new PaksError('internal', `${displayUrl(url)} answered 304 to an unconditional request.`);
      const chunks: Buffer[] = [];
      for await (const chunk of result.body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    close() {
      transport?.close();
      transport = undefined;
    },
  };
}

async function getFile(url: URL, options: GetOptions): Promise<GetResult> {
  const path = fileURLToPath(url);
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw new PaksError('not-found', `Cannot read ${path}: ${error.message}`, { cause: error });
  });
  if (!info) return 'not-found';
  if (!info.isFile()) throw new PaksError('usage', `${path} is not a file.`);
  const etag = `"${info.size}-${Math.trunc(info.mtimeMs)}"`;
  if (options.validators?.etag === etag) return 'not-modified';
  if (info.size > options.maxBytes) throw tooLarge(url, options.maxBytes);
  const body = limitBytes(url, options.maxBytes);
  pipeline(createReadStream(path), body, () => undefined);
  return { url, body, size: info.size, etag };
}

function limitBytes(url: URL, maxBytes: number): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      if (total > maxBytes) done(tooLarge(url, maxBytes));
      else done(null, chunk);
    },
  });
}

function tooLarge(url: URL, maxBytes: number): PaksError {
  return new PaksError('integrity', `${displayUrl(url)} is larger than ${maxBytes} bytes, more than Paks accepts for it; Paks stopped reading.`);
}

function deadlineError(url: URL, ms: number): PaksError {
  return new PaksError('network', `${displayUrl(url)} did not answer in full within ${Math.round(ms / 1000)} s.`, { hint: 'Check the network and the URL, then try again.' });
}
