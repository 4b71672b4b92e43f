/**
 * A directory served over HTTPS on loopback, as a web server serves a Spack mirror: a
 * self-signed certificate (trust it with NODE_EXTRA_CA_CERTS or registry_ca_file), ETag and
 * Last-Modified with 304 answers, and a log of every request so tests can say what was fetched.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  path: string;
  status: number;
  conditional: boolean;
}

export interface StaticHttps {
  url: string;
  certPath: string;
  requests: ServedRequest[];
  stop(): Promise<void>;
}

export async function serveDirectory(root: string): Promise<StaticHttps> {
  const dir = mkdtempSync(join(tmpdir(), 'paks-https-'));
  const certPath = join(dir, 'server.crt');
  const keyPath = join(dir, 'server.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const requests: ServedRequest[] = [];
  const server: Server = createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname);
    const file = normalize(join(root, path));
    const conditional = Boolean(req.headers['if-none-match'] || req.headers['if-modified-since']);
    const answer = (status: number, body?: Buffer, headers: Record<string, string> = {}) => {
      requests.push({ path, status, conditional });
      res.writeHead(status, headers);
      res.end(body);
    };
    if (!file.startsWith(root)) return answer(403);
    let size: number;
    let modified: Date;
    try {
      const info = statSync(file);
      if (!info.isFile()) return answer(404);
      size = info.size;
      modified = info.mtime;
    } catch {
      return answer(404);
    }
    // As web servers do: the validator is the file's size and modification time.
    const etag = `"${size.toString(16)}-${Math.trunc(modified.getTime()).toString(16)}"`;
    if (req.headers['if-none-match'] === etag) return answer(304, undefined, { etag });
    requests.push({ path, status: 200, conditional });
    res.writeHead(200, { etag, 'last-modified': modified.toUTCString(), 'content-length': String(size) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/`,
    certPath,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
