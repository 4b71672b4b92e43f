// Test helpers for upstream updates: a plain HTTP file server that lists directories like
// Python's `http.server` (what the Spack recording served, transcript 82), a PyPI-shaped
// JSON server, and small reproducible tarballs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface FileServer {
  url: string;
  /** path → bytes (or a function giving the bytes of each request). */
  files: Map<string, Buffer | (() => Buffer)>;
  /** Extra names listed in a directory without a file behind them. */
  listed: Map<string, string[]>;
  /** Every request as "METHOD /path status". */
  log: string[];
  /** Respond to this path with this many bytes (not held in memory). */
  huge: Map<string, number>;
  /** Paths that send headers and 1 KiB, then nothing. */
  stalled: Set<string>;
  /** Paths that send one byte every this many milliseconds, for ever (never silent for long). */
  trickled: Map<string, number>;
  close(): Promise<void>;
}

export async function startFileServer(): Promise<FileServer> {
  const files = new Map<string, Buffer | (() => Buffer)>();
  const listed = new Map<string, string[]>();
  const huge = new Map<string, number>();
  const stalled = new Set<string>();
  const trickled = new Map<string, number>();
  const log: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, body: Buffer | string, type = 'text/html; charset=utf-8') => {
      log.push(`${req.method} ${path} ${status}`);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (stalled.has(path)) {
      log.push(`${req.method} ${path} 200`);
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': 1 << 20 });
      res.write(Buffer.alloc(1024));
      return; // and nothing more, until the client gives up
    }
    const every = trickled.get(path);
    if (every !== undefined) {
      log.push(`${req.method} ${path} 200`);
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': 1 << 20 });
      const timer = setInterval(() => res.write(Buffer.alloc(1)), every);
      res.on('close', () => clearInterval(timer));
      return;
    }
    const size = huge.get(path);
    if (size !== undefined) {
      log.push(`${req.method} ${path} 200`);
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': size });
      if (req.method === 'HEAD') return res.end();
      streamZeros(res, size);
      return;
    }
    const file = files.get(path);
    if (file) return send(200, typeof file === 'function' ? file() : file, 'application/gzip');
    const children = directoryEntries(path.endsWith('/') ? path : `${path}/`);
    if (children.length) {
      if (!path.endsWith('/')) {
        log.push(`${req.method} ${path} 301`);
        res.writeHead(301, { location: `${path}/` });
        return res.end();
      }
      return send(200, listing(path, children));
    }
    send(404, 'File not found');
  });
  function directoryEntries(dir: string): string[] {
    const names = new Set<string>(listed.get(dir) ?? []);
    for (const key of [...files.keys(), ...huge.keys()]) if (key.startsWith(dir) && !key.slice(dir.length).includes('/')) names.add(key.slice(dir.length));
    return [...names].sort();
  }
  await listen(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, files, listed, log, huge, stalled, trickled, close: () => close(server) };
}

/** The page Python 3.11's http.server writes for a directory (transcript 82). */
function listing(path: string, names: string[]): string {
  const items = names.map((n) => `<li><a href="${encodeURI(n)}">${n}</a></li>`).join('\n');
  return `<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Directory listing for ${path}</title>\n</head>\n<body>\n<h1>Directory listing for ${path}</h1>\n<hr>\n<ul>\n${items}\n</ul>\n<hr>\n</body>\n</html>\n`;
}

function streamZeros(res: ServerResponse, size: number): void {
  const chunk = Buffer.alloc(1 << 16);
  let left = size;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => (left = 0));
  pump();
}

export interface JsonServer {
  url: string;
  /** path → [status, body, headers] */
  routes: Map<string, { status?: number; body: unknown; headers?: Record<string, string> }>;
  log: string[];
  close(): Promise<void>;
}

/** Serves fixed JSON documents by path (PyPI's /pypi/NAME/json). */
export async function startJsonServer(): Promise<JsonServer> {
  const routes = new Map<string, { status?: number; body: unknown; headers?: Record<string, string> }>();
  const log: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes.get(path);
    const status = route ? (route.status ?? 200) : 404;
    log.push(`${req.method} ${path} ${status}`);
    res.writeHead(status, { 'content-type': 'application/json', ...(route?.headers ?? {}) });
    res.end(JSON.stringify(route ? route.body : { message: 'Not Found' }));
  });
  await listen(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, routes, log, close: () => close(server) };
}

/** A small, reproducible .tar.gz (fixed mtime, no owner names) holding one file. */
export function tarball(name: string, content: string, level = 9): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  const put = (text: string, at: number, len: number) => header.write(text.slice(0, len), at, 'ascii');
  put(`${name}/README`, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  put('00000000000\0', 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\x0000', 257, 8);
  let sum = 0;
  for (const b of header) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const padded = Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
  return gzipSync(Buffer.concat([header, padded, Buffer.alloc(1024)]), { level });
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Runs the Spack stand-in without blocking this process (its servers must keep answering). */
export function runSpackAsync(sr: { bin: string; env: Record<string, string> }, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(sr.bin, args, { env: { ...process.env, ...sr.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
