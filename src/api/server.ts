/**
 * `paks serve`: the same site as `paks api build`, from memory, over node:http. The whole
 * surface is a map lookup (no file system), so no path can reach anything else; data is
 * refreshed in the background and swapped in whole, so no request ever waits on the registry
 * once there is data.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describeError } from '../errors.js';
import { WORKER_PORT_VARIABLE, forkWorkers, isServeWorker, isWorkerMessage, reservePort, type WorkerMessage } from './cluster.js';
import { filterPackages, sitePaths, type ApiDocuments } from './documents.js';
import { CONTENT_SECURITY_POLICY } from './render.js';
import { buildSite, jsonFile, type Site, type SiteFile } from './site.js';

export interface CatalogueState {
  documents: ApiDocuments;
  site: Site;
  loadedAt: Date;
}

export interface RefresherOptions {
  /** Collects everything again (Spack and the registry). */
  load: () => Promise<ApiDocuments>;
  /** How long data is fresh; then it is collected again in the background. */
  ttlMs: number;
  /** Said once when refreshing starts failing, and once when it works again. */
  warn?: (line: string) => void;
  info?: (line: string) => void;
}

export interface Refresher {
  current(): CatalogueState | undefined;
  /** The first collection: throws when it fails (there is nothing to serve yet). */
  start(): Promise<CatalogueState>;
  /** Collects again now; keeps the old data when that fails. */
  refresh(): Promise<void>;
  stop(): void;
  /** Called with every data set collected from now on (the cluster primary passes them on). */
  watch(listener: (state: CatalogueState) => void): void;
}

export function createRefresher(options: RefresherOptions): Refresher {
  let state: CatalogueState | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failing = false;
  let stopped = false;
  const listeners: ((state: CatalogueState) => void)[] = [];
  const load = async () => {
    const documents = await options.load();
    const loaded: CatalogueState = { documents, site: buildSite(documents), loadedAt: new Date() };
    state = loaded;
    for (const listener of listeners) listener(loaded);
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void refresher.refresh(), options.ttlMs);
    timer.unref();
  };
  const refresher: Refresher = {
    current: () => state,
    async start() {
      await load();
      schedule();
      return state as CatalogueState;
    },
    refresh() {
      running ??= load()
        .then(() => {
          if (failing) options.info?.('Refreshing the catalogue works again.');
          failing = false;
        })
        .catch((error: unknown) => {
          if (!failing) options.warn?.(`Could not refresh the catalogue (still serving the data from ${state?.loadedAt.toISOString() ?? 'before'}): ${describeError(error)}`);
          failing = true;
        })
        .finally(() => {
          running = undefined;
          schedule();
        });
      return running;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    watch(listener) {
      listeners.push(listener);
    },
  };
  return refresher;
}

export interface ServerOptions {
  refresher: Refresher;
  /** One line per request; absent: no access log. */
  accessLog?: (line: string) => void;
}

/** The body size an answer sent, for the access log (headers given to writeHead are not kept on the response). */
const SENT_BYTES = Symbol('paks.sentBytes');
type Answered = ServerResponse & { [SENT_BYTES]?: number };

const MAX_URL = 2048;
const API_CACHE = 'public, max-age=60';
const ASSET_CACHE = 'public, max-age=300';
const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

export function createCatalogueServer(options: ServerOptions): Server {
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (request, response) => {
    const log = options.accessLog;
    if (log) {
      const started = process.hrtime.bigint();
      response.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const length = (response as Answered)[SENT_BYTES] ?? 0;
        log(`${request.socket.remoteAddress ?? '-'} "${request.method} ${(request.url ?? '').slice(0, 200)}" ${response.statusCode} ${length} ${ms.toFixed(1)}ms`);
      });
    }
    try {
      handle(request, response, options.refresher);
    } catch (error) {
      sendError(response, request, 500, `Paks could not answer: ${describeError(error)}`);
    }
  });
  return server;
}

function handle(request: IncomingMessage, response: ServerResponse, refresher: Refresher): void {
  const method = request.method ?? 'GET';
  const rawUrl = request.url ?? '/';
  if (method !== 'GET' && method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return sendError(response, request, 405, `${method} is not allowed here: the catalogue is read-only (GET and HEAD).`);
  }
  if (rawUrl.length > MAX_URL) return sendError(response, request, 414, `The address is longer than ${MAX_URL} characters.`);
  // A GET carries no body; refuse one instead of reading it.
  const declared = Number(request.headers['content-length'] ?? 0);
  if ((Number.isFinite(declared) && declared > 0) || request.headers['transfer-encoding']) {
    response.setHeader('connection', 'close');
    return sendError(response, request, 413, 'A request to the catalogue has no body.');
  }
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  const path = sitePath(rawPath);
  if (path === undefined) return sendError(response, request, 400, 'That path is not allowed.');

  const state = refresher.current();
  if (!state) {
    response.setHeader('retry-after', '5');
    return sendError(response, request, 503, 'The catalogue is being collected; try again in a few seconds.');
  }
  let file: SiteFile | undefined = state.site.get(path);
  if (file && queryAt >= 0 && path === sitePaths.packages) {
    const query = new URLSearchParams(rawUrl.slice(queryAt + 1));
    if (query.has('q')) file = searchResult(state, query.get('q') ?? '');
  }
  if (!file) return sendError(response, request, 404, notFoundMessage(path));
  send(response, request, file, path);
}

/** `?q=` answers, remembered per catalogue state (a refresh starts a new one); at most 1,000. */
const searches = new WeakMap<CatalogueState, Map<string, SiteFile>>();
const MAX_SEARCHES = 1000;

function searchResult(state: CatalogueState, query: string): SiteFile {
  const key = query.trim().toLowerCase().replace(/\s+/g, ' ');
  let cached = searches.get(state);
  if (!cached) searches.set(state, (cached = new Map()));
  let file = cached.get(key);
  if (!file) {
    file = jsonFile(filterPackages(state.documents.packages, key));
    if (cached.size >= MAX_SEARCHES) cached.delete(cached.keys().next().value as string);
    cached.set(key, file);
  }
  return file;
}

/** The site path a request names, or undefined for anything that tries to step outside. */
export function sitePath(rawPath: string): string | undefined {
  if (!rawPath.startsWith('/') || rawPath.includes('\\') || rawPath.startsWith('//')) return undefined;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let segment = raw;
    if (raw.includes('%')) {
      try {
        segment = decodeURIComponent(raw);
      } catch {
        return undefined;
      }
    }
    // Encoded separators, dot segments and control characters never name a document.
    if (segment === '.' || segment === '..' || /[/\\\0-\x1f]/.test(segment)) return undefined;
    segments.push(segment);
  }
  const path = segments.join('/');
  if (path === '') return 'index.html';
  if (path.endsWith('/')) return `${path}index.html`;
  return path;
}

function notFoundMessage(path: string): string {
  const pkg = /^api\/v1\/packages\/([^/]+)\.json$/.exec(path) ?? /^packages\/([^/]+)\.html$/.exec(path);
  if (pkg) return `No package named ${pkg[1]} in this catalogue.`;
  const version = /^api\/v1\/packages\/([^/]+)\/([^/]+)\.json$/.exec(path);
  if (version) return `No version ${version[2]} of ${version[1]} in this catalogue.`;
  return `Nothing at /${path}.`;
}

/** Compressed copies, made once per document (documents are replaced whole on refresh). */
const gzipped = new WeakMap<SiteFile, SiteFile>();
const COMPRESS_FROM = 1024;

function gzipVariant(file: SiteFile): SiteFile {
  let variant = gzipped.get(file);
  if (!variant) {
    variant = { body: gzipSync(file.body), contentType: file.contentType, etag: file.etag.replace(/"$/, '-gzip"') };
    gzipped.set(file, variant);
  }
  return variant;
}

function acceptsGzip(request: IncomingMessage): boolean {
  const header = request.headers['accept-encoding'];
  return typeof header === 'string' && header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    return coding?.trim().toLowerCase() === 'gzip' && !params.some((p) => /^\s*q=0(?:\.0*)?\s*$/.test(p));
  });
}

/**
 * Everything about an answer that does not depend on the request, made once per document
 * (and per gzip variant): the header lists for 200 and 304, flat as writeHead takes them.
 */
interface Prepared {
  file: SiteFile;
  ok: string[];
  notModified: string[];
}
const preparedFiles = new WeakMap<SiteFile, Prepared>();

function prepare(file: SiteFile, path: string, compressible: boolean, gzip: boolean): Prepared {
  let prepared = preparedFiles.get(file);
  if (prepared) return prepared;
  const headers: string[] = [];
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.push(name, value);
  headers.push('content-type', file.contentType, 'etag', file.etag, 'cache-control', path.startsWith('assets/') ? ASSET_CACHE : API_CACHE);
  if (compressible) headers.push('vary', 'Accept-Encoding');
  if (gzip) headers.push('content-encoding', 'gzip');
  if (path.startsWith('api/')) headers.push('access-control-allow-origin', '*');
  if (file.contentType.startsWith('text/html')) headers.push('content-security-policy', CONTENT_SECURITY_POLICY);
  prepared = { file, notModified: headers, ok: [...headers, 'content-length', String(file.body.length)] };
  preparedFiles.set(file, prepared);
  return prepared;
}

function send(response: ServerResponse, request: IncomingMessage, original: SiteFile, path: string): void {
  const compressible = original.body.length >= COMPRESS_FROM;
  const gzip = compressible && acceptsGzip(request);
  const { file, ok, notModified } = prepare(gzip ? gzipVariant(original) : original, path, compressible, gzip);
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch && etagMatches(ifNoneMatch, file.etag)) {
    response.writeHead(304, notModified);
    response.end();
    return;
  }
  response.writeHead(200, ok);
  if (request.method === 'HEAD') return void response.end();
  (response as Answered)[SENT_BYTES] = file.body.length;
  response.end(file.body);
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

function sendError(response: ServerResponse, request: IncomingMessage, status: number, message: string): void {
  const body = Buffer.from(`${JSON.stringify({ error: message })}\n`);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(body.length),
    'cache-control': 'no-store',
    'access-control-allow-origin': '*',
  });
  if (request.method === 'HEAD') return void response.end();
  (response as Answered)[SENT_BYTES] = body.length;
  response.end(body);
}

export interface RunningServer {
  url: string;
  /** The HTTP server of this process (none in a cluster primary: its workers answer). */
  server?: Server;
  /** `worker`: a process forked by a cluster primary; it says nothing and stops with the primary. */
  role: 'single' | 'primary' | 'worker';
  close(): Promise<void>;
}

export interface ServeOptions extends ServerOptions {
  host: string;
  port: number;
  /** Processes answering requests (node:cluster) beside the one that collects; 0 or 1: this process answers. */
  workers?: number;
  onListening?: (url: string) => void;
}

const urlOf = (address: { address: string; family: string; port: number }) => `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;

/** Listens, collects the first data (failing when that fails), and serves until close(). */
export async function serveCatalogue(options: ServeOptions): Promise<RunningServer> {
  if (isServeWorker()) return serveAsWorker(options);
  if ((options.workers ?? 0) > 1) return serveWithWorkers(options, options.workers!);
  const server = createCatalogueServer(options);
  await listen(server, options.port, options.host);
  const url = urlOf(server.address() as AddressInfo);
  options.onListening?.(url);
  const close = async () => {
    options.refresher.stop();
    await closeServer(server);
  };
  try {
    await options.refresher.start();
  } catch (error) {
    await close();
    throw error;
  }
  return { url, server, role: 'single', close };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Requests in flight get a moment to finish; then connections are dropped.
  const force = setTimeout(() => server.closeAllConnections(), 2_000);
  force.unref();
  await closed;
  clearTimeout(force);
}

/** The primary: collects and refreshes, hands every data set to its workers. */
async function serveWithWorkers(options: ServeOptions, count: number): Promise<RunningServer> {
  const reserved = await reservePort(options.host, options.port);
  const pool = forkWorkers(count, reserved.port);
  const url = urlOf(reserved);
  const message = (state: CatalogueState): WorkerMessage => ({ paks: 'catalogue', documents: state.documents, site: state.site, loadedAt: state.loadedAt.toISOString() });
  options.refresher.watch((state) => pool.broadcast(message(state)));
  const close = async () => {
    options.refresher.stop();
    await pool.close();
  };
  try {
    await pool.listening;
    options.onListening?.(url);
    await options.refresher.start();
  } catch (error) {
    await close();
    throw error;
  }
  return { url, role: 'primary', close };
}

/** A worker: answers from the data its primary sends; stops when told to or when the primary goes. */
async function serveAsWorker(options: ServeOptions): Promise<RunningServer> {
  let state: CatalogueState | undefined;
  const mirror: Refresher = {
    current: () => state,
    start: async () => state as CatalogueState,
    refresh: async () => undefined,
    stop: () => undefined,
    watch: () => undefined,
  };
  const server = createCatalogueServer({ ...options, refresher: mirror });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= closeServer(server).then(() => {
      if (process.connected) process.disconnect();
    }));
  process.on('message', (message: unknown) => {
    if (!isWorkerMessage(message)) return;
    if (message.paks === 'close') return void close();
    state = { documents: message.documents, site: message.site, loadedAt: new Date(message.loadedAt) };
  });
  process.once('disconnect', () => void close());
  await listen(server, Number(process.env[WORKER_PORT_VARIABLE]), options.host);
  return { url: urlOf(server.address() as AddressInfo), server, role: 'worker', close };
}
