/** Reading a URL is bounded: by size, by a deadline, and to https:// and file:// only. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createUrlFetcher, parseSourceUrl } from '../../src/http/fetch-url.js';

let dir: string;
let server: Server;
let base: string;
let ca: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paks-fetch-url-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  ca = await readFile(join(dir, 'c.pem'), 'utf8');
  server = createServer({ cert: ca, key: await readFile(join(dir, 'k.pem')) }, (req, res) => {
    if (req.url === '/slow') {
      // Headers at once, then a byte a second: only a deadline ends this.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('x'), 1000);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (req.url === '/big') {
      res.writeHead(200);
      res.end(Buffer.alloc(4096));
      return;
    }
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/big' });
      res.end();
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('fetching a URL', () => {
  it('gives up on an answer that does not arrive in full by the deadline', async () => {
    const fetcher = createUrlFetcher({ ca: [ca] });
    try {
      const started = Date.now();
      await assert.rejects(fetcher.bytes(new URL(`${base}/slow`), { maxBytes: 1024, deadlineMs: 500 }), /did not answer in full within 1 s|did not answer in full within 0 s/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      fetcher.close();
    }
  });

  it('refuses more bytes than the bound, over https and file://, and follows a redirect', async () => {
    const fetcher = createUrlFetcher({ ca: [ca] });
    try {
      await assert.rejects(fetcher.bytes(new URL(`${base}/big`), { maxBytes: 1000 }), /is larger than 1000 bytes, more than Paks accepts for it/);
      assert.equal((await fetcher.bytes(new URL(`${base}/moved`), { maxBytes: 5000 }))?.length, 4096);
      assert.equal(await fetcher.bytes(new URL(`${base}/nothing`), { maxBytes: 5000 }), undefined);
      const file = join(dir, 'big.bin');
      await writeFile(file, Buffer.alloc(4096));
      await assert.rejects(fetcher.bytes(pathToFileURL(file), { maxBytes: 1000 }), /is larger than 1000 bytes/);
    } finally {
      fetcher.close();
    }
  });

  it('reads only https:// and file:// URLs, without credentials in them', () => {
    assert.throws(() => parseSourceUrl('http://example.com/key.pub'), /uses http; Paks reads only https:\/\/ and file:\/\/ URLs/);
    assert.throws(() => parseSourceUrl('https://user:secret@example.com/key.pub'), /must not carry a user name or password/);
    assert.equal(parseSourceUrl('file:///srv/cache').protocol, 'file:');
  });
});
