import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpTransport } from '../../src/oci/transport/http.js';
import { startSilentServer, type SilentServer } from '../helpers/silent-server.js';

let server: SilentServer;
let url: URL;
before(async () => {
  server = await startSilentServer();
  url = new URL(`http://${server.host}/v2/`);
});
after(() => server.stop());

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
