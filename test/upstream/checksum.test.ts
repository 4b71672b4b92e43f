import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { parseSpackChecksum, tarballSha256 } from '../../src/upstream/checksum.js';
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
  await assert.rejects(tarballSha256(`${server.url}/x/x-3.0.tar.gz`, { idleTimeoutMs: 300 }), (e: PaksError) => e.kind === 'network' && /sent nothing for 0 seconds/.test(e.message));
  await assert.rejects(tarballSha256('file:///etc/passwd'), (e: PaksError) => e.exitCode === 2);
  const gone = await startFileServer();
  await gone.close();
  await assert.rejects(tarballSha256(`${gone.url}/x/x-1.0.tar.gz`), (e: PaksError) => /the connection was refused/.test(e.message));
});

test("Spack's checksum output gives the URL it fetched and the digest (transcript 89)", () => {
  const out = '==> Found 1 version of hello-paks\n==> Fetching http://h/hello-paks/hello-paks-1.2.0.tar.gz\n\n    version("1.2.0", sha256="2d6d51bcbc34a5555f4b4670c479c4496dc2740d92b36f50c9fcbc933a1664ec")\n\n';
  assert.deepEqual(parseSpackChecksum(out, '1.2.0'), { url: 'http://h/hello-paks/hello-paks-1.2.0.tar.gz', sha256: '2d6d51bcbc34a5555f4b4670c479c4496dc2740d92b36f50c9fcbc933a1664ec' });
  assert.equal(parseSpackChecksum(out, '1.2').sha256, undefined);
});
