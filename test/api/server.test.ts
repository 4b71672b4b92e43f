import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { ApiDocuments } from '../../src/api/documents.js';
import { createRefresher, serveCatalogue, sitePath, type RunningServer } from '../../src/api/server.js';
import { sampleDocuments, schemaErrors } from './documents.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function ask(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends the request line exactly as written (clients normalise `..` away). */
function rawStatus(base: string, path: string): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

describe('paks serve: the HTTP surface', () => {
  let server: RunningServer;
  let documents: ApiDocuments = sampleDocuments(5);
  let failNext = false;
  const warnings: string[] = [];
  const access: string[] = [];
  let refresher: ReturnType<typeof createRefresher>;

  before(async () => {
    refresher = createRefresher({
      ttlMs: 3_600_000,
      load: async () => {
        if (failNext) throw new Error('connect ECONNREFUSED 127.0.0.1:5000');
        return documents;
      },
      warn: (line) => warnings.push(line),
    });
    server = await serveCatalogue({ refresher, host: '127.0.0.1', port: 0, accessLog: (line) => access.push(line) });
  });
  after(() => server?.close());

  test('documents are served with ETag, Cache-Control, CORS on the API and a CSP on pages', async () => {
    const list = await ask(server.url, '/api/v1/packages.json');
    assert.equal(list.status, 200);
    assert.equal(list.headers['access-control-allow-origin'], '*');
    assert.match(String(list.headers['cache-control']), /max-age=\d+/);
    assert.match(String(list.headers['content-type']), /^application\/json/);
    assert.equal(schemaErrors('packages', JSON.parse(list.body)), '');
    const page = await ask(server.url, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(page.headers['access-control-allow-origin'], undefined);
    assert.match(page.body, /<input id="search"/);
    const one = await ask(server.url, '/api/v1/packages/zlib.json');
    assert.equal(schemaErrors('package', JSON.parse(one.body)), '');
    const version = await ask(server.url, '/api/v1/packages/zlib/1.0.0.json');
    assert.equal(schemaErrors('version', JSON.parse(version.body)), '');
    assert.ok(access.some((line) => /"GET \/api\/v1\/packages.json" 200 \d+ [\d.]+ms$/.test(line)), access.join('\n'));
    // The logged size is the body's, not a placeholder.
    const logged = access.find((line) => line.includes('"GET /api/v1/packages.json"'));
    assert.equal(/ 200 (\d+) /.exec(logged ?? '')?.[1], String(Buffer.byteLength(list.body)));
  });

  test('If-None-Match answers 304 without a body; HEAD has the headers and no body', async () => {
    const first = await ask(server.url, '/api/v1/packages/zlib.json');
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[^"]+"$/);
    const again = await ask(server.url, '/api/v1/packages/zlib.json', { headers: { 'if-none-match': `W/"other", ${etag}` } });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);
    const changed = await ask(server.url, '/api/v1/packages/zlib.json', { headers: { 'if-none-match': '"stale"' } });
    assert.equal(changed.status, 200);
    const head = await ask(server.url, '/api/v1/packages/zlib.json', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(first.body)));
  });

  test('large documents go out gzip-compressed to clients that accept it, with their own ETag', async () => {
    const plain = await ask(server.url, '/api/v1/packages.json');
    const compressed = await new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const url = new URL(server.url);
      request({ host: url.hostname, port: url.port, path: '/api/v1/packages.json', headers: { 'accept-encoding': 'br;q=1, gzip;q=0.8' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(compressed.headers['content-encoding'], 'gzip');
    assert.equal(compressed.headers.vary, 'Accept-Encoding');
    assert.equal(gunzipSync(compressed.body).toString('utf8'), plain.body);
    assert.notEqual(compressed.headers.etag, plain.headers.etag);
    const notModified = await ask(server.url, '/api/v1/packages.json', { headers: { 'accept-encoding': 'gzip', 'if-none-match': String(compressed.headers.etag) } });
    assert.equal(notModified.status, 304);
    const refused = await ask(server.url, '/api/v1/packages.json', { headers: { 'accept-encoding': 'gzip;q=0' } });
    assert.equal(refused.headers['content-encoding'], undefined);
  });

  test('only GET and HEAD: anything else is 405 with Allow and a JSON error', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const answer = await ask(server.url, '/api/v1/packages.json', { method });
      assert.equal(answer.status, 405, method);
      assert.equal(answer.headers.allow, 'GET, HEAD');
      assert.match(JSON.parse(answer.body).error, /read-only/);
    }
  });

  test('an unknown package is a 404 with a JSON error that names it', async () => {
    const answer = await ask(server.url, '/api/v1/packages/nope.json');
    assert.equal(answer.status, 404);
    assert.deepEqual(JSON.parse(answer.body), { error: 'No package named nope in this catalogue.' });
    assert.equal((await ask(server.url, '/api/v1/packages/zlib/9.9.json')).status, 404);
  });

  test('?q= filters packages.json by name and description', async () => {
    const answer = JSON.parse((await ask(server.url, '/api/v1/packages.json?q=ZLI')).body);
    assert.deepEqual(answer.packages.map((p: { name: string }) => p.name), ['zlib']);
    assert.equal(answer.count, 1);
    assert.equal(schemaErrors('packages', answer), '');
    const all = JSON.parse((await ask(server.url, '/api/v1/packages.json?q=package')).body);
    assert.equal(all.count, 5);
  });

  test('no path outside the documents: dot segments, encoded ones, backslashes, NUL', async () => {
    for (const path of ['/../../etc/passwd', '/api/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/api/v1/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', '/..%5c..%5cetc%5cpasswd', '/api/v1/packages%00.json', '/%zz', '//etc/passwd']) {
      const status = await rawStatus(server.url, path);
      assert.ok(status === 400 || status === 404, `${path}: ${status}`);
    }
    assert.equal(sitePath('/api/v1/packages.json'), 'api/v1/packages.json');
    assert.equal(sitePath('/'), 'index.html');
    assert.equal(sitePath('/a/%2e%2e/b'), undefined);
    assert.equal(sitePath('/a%2fb'), undefined);
  });

  test('a request with a body, or a huge address, is refused without reading it', async () => {
    const withBody = await ask(server.url, '/api/v1/packages.json', { headers: { 'content-length': '5' }, body: 'hello' });
    assert.equal(withBody.status, 413);
    const long = await ask(server.url, `/api/v1/${'a'.repeat(3000)}.json`);
    assert.equal(long.status, 414);
    const headers = await ask(server.url, '/', { headers: { 'x-big': 'b'.repeat(20_000) } });
    assert.equal(headers.status, 431);
  });

  test('200 concurrent clients all get their answer', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => ask(server.url, i % 2 ? '/api/v1/packages.json' : '/packages/zlib.html')));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
  });

  test('a failing refresh keeps the old data, and says so once', async () => {
    const before = (await ask(server.url, '/api/v1/packages.json')).body;
    failNext = true;
    await refresher.refresh();
    await refresher.refresh();
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /Could not refresh the catalogue .*ECONNREFUSED/);
    assert.equal((await ask(server.url, '/api/v1/packages.json')).body, before);
    failNext = false;
    documents = sampleDocuments(2);
    await refresher.refresh();
    assert.equal(JSON.parse((await ask(server.url, '/api/v1/packages.json')).body).count, 2);
  });
});
