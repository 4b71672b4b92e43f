import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createHttpTransport } from '../../src/oci/transport/http.js';

// A loopback server that accepts connections and never answers.
let server: Server;
let url: URL;
const sockets = new Set<Socket>();
before(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`);
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((done) => server.close(() => done()));
});

test('a registry that accepts but never answers fails the request after the first-byte timeout', async () => {
  const transport = createHttpTransport({ responseTimeoutMs: 150 });
  try {
    await assert.rejects(transport.send({ method: 'GET', url }), (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, 'ETIMEDOUT', 'retried like any timeout');
      assert.match(error.message, /^127\.0\.0\.1:\d+ did not start answering within 0\.15 s$/);
      return true;
    });
  } finally {
    transport.close();
  }
});

test('an aborted signal ends requests in flight and refuses new ones', async () => {
  const controller = new AbortController();
  const transport = createHttpTransport({ responseTimeoutMs: 60_000, signal: controller.signal });
  try {
    const pending = transport.send({ method: 'GET', url });
    controller.abort();
    await assert.rejects(pending, (error: NodeJS.ErrnoException) => error.name === 'AbortError' || error.code === 'ABORT_ERR');
    await assert.rejects(transport.send({ method: 'GET', url }), (error: NodeJS.ErrnoException) => error.code === 'ABORT_ERR');
  } finally {
    transport.close();
  }
});
