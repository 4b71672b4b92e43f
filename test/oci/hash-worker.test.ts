import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createHashWorker } from '../../src/oci/hash-worker.js';
import { cleanup, tempDir } from './support.js';

const dir = tempDir();
const worker = createHashWorker();
after(async () => {
  await worker.close();
  cleanup(dir);
});

describe('hashing on a worker thread', () => {
  const data = randomBytes(3 * 1024 * 1024 + 12345);
  const expected = (algorithm: string) => `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;

  it('hashes files', async () => {
    const path = join(dir, 'file');
    writeFileSync(path, data);
    assert.deepEqual(await worker.hashFile(path), { digest: expected('sha256'), size: data.length });
    writeFileSync(join(dir, 'empty'), '');
    assert.deepEqual(await worker.hashFile(join(dir, 'empty')), { digest: `sha256:${createHash('sha256').digest('hex')}`, size: 0 });
  });

  it('reports a file it cannot read', async () => {
    await assert.rejects(worker.hashFile(join(dir, 'missing')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });

  it('hashes streams in any chunking, several at once, sha256 and sha512', async () => {
    const feed = async (algorithm: 'sha256' | 'sha512', step: number) => {
      const stream = worker.stream(algorithm);
      for (let offset = 0; offset < data.length; offset += step) await stream.update(data.subarray(offset, offset + step));
      return stream.finish();
    };
    const [a, b, c] = await Promise.all([feed('sha256', 65_536), feed('sha256', 1_000_003), feed('sha512', 4_321)]);
    assert.equal(a, expected('sha256'));
    assert.equal(b, expected('sha256'));
    assert.equal(c, expected('sha512'));
  });

  it('writes what it hashes to a file descriptor, in order', async () => {
    const path = join(dir, 'written');
    const fd = openSync(path, 'wx');
    try {
      const stream = worker.stream('sha256', { fd });
      for (let offset = 0; offset < data.length; offset += 65_536) await stream.update(data.subarray(offset, offset + 65_536));
      assert.equal(await stream.finish(), expected('sha256'));
    } finally {
      closeSync(fd);
    }
    assert.ok(readFileSync(path).equals(data));
  });

  it('reports a descriptor it cannot write, and touches it no more once aborted', async () => {
    const path = join(dir, 'read-only');
    writeFileSync(path, 'x');
    const fd = openSync(path, 'r');
    try {
      const stream = worker.stream('sha256', { fd });
      const failed = (async () => {
        for (let offset = 0; offset < data.length; offset += 65_536) await stream.update(data.subarray(offset, offset + 65_536));
        await stream.finish();
      })();
      await assert.rejects(failed, (e: NodeJS.ErrnoException) => e.code === 'EBADF');
      await stream.abort();
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(path, 'utf8'), 'x');
  });

  it('keeps working after an aborted stream', async () => {
    const aborted = worker.stream('sha256');
    await aborted.update(data.subarray(0, 2_000_000));
    await aborted.abort();
    const stream = worker.stream('sha256');
    await stream.update(data);
    assert.equal(await stream.finish(), expected('sha256'));
  });
});
