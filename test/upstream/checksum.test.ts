import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { tarballSha256 } from '../../src/upstream/checksum.js';
import { sha256, startFileServer, tarball } from '../helpers/upstream.js';

test('a tarball is streamed into sha256 once, bounded in size and in silence', async (t) => {
  const server = await startFileServer();
  t.after(() => server.close());
  const data = tarball('x-1.0', 'x\n');
  server.files.set('/x/x-1.0.tar.gz', data);
  const digest = await tarballSha256(`${server.url}/x/x-1.0.tar.gz`);
  assert.deepEqual(digest, { url: `${server.url}/x/x-1.0.tar.gz`, sha256: sha256(data), bytes: data.length });
  await assert.rejects(tarballSha256(`${server.url}/x/x-1.0.tar.gz`, { maxBytes: 10 }), (e: PaksError) => e.kind === 'integrity' && /larger than 10 bytes/.test(e.message));
  await assert.rejects(tarballSha256(`${server.url}/x/x-2.0.tar.gz`), (e: PaksError) => /answered 404 \(not found\)/.test(e.message));
  server.stalled.add('/x/x-3.0.tar.gz');
  await assert.rejects(tarballSha256(`${server.url}/x/x-3.0.tar.gz`, { idleTimeoutMs: 300 }), (e: PaksError) => e.kind === 'network' && /: the server sent nothing for 0\.3 seconds\.$/.test(e.message));
  await assert.rejects(tarballSha256('file:///etc/passwd'), (e: PaksError) => e.exitCode === 2);
  const gone = await startFileServer();
  await gone.close();
  await assert.rejects(tarballSha256(`${gone.url}/x/x-1.0.tar.gz`), (e: PaksError) => /the connection was refused/.test(e.message));
});

test('a download that trickles for ever is stopped at its overall deadline, with its own sentence', async (t) => {
  const server = await startFileServer();
  t.after(() => server.close());
  server.trickled.set('/x/x-4.0.tar.gz', 50);
  const started = Date.now();
  await assert.rejects(tarballSha256(`${server.url}/x/x-4.0.tar.gz`, { idleTimeoutMs: 400, deadlineMs: 800 }), (e: PaksError) => {
    assert.equal(e.kind, 'network');
    assert.match(e.message, /^Could not download http:\/\/127\.0\.0\.1:\d+\/x\/x-4\.0\.tar\.gz: it was still arriving after 0\.8 seconds \(\d+ bytes so far\), so Paks stopped\.$/);
    return true;
  });
  assert.ok(Date.now() - started < 10_000, 'the idle timeout alone would never fire');
});
