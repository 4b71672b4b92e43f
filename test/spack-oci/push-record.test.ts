/** The push record of a build cache folder (src/spack-oci/push-record.ts): every input changes its key. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DirectoryFile } from '../../src/oci/directory-files.js';
import { pushRecordKey, readPushRecord, registryMatches, writePushRecord } from '../../src/spack-oci/push-record.js';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BigIntStats } from 'node:fs';

const file = (relPath: string, stats: Partial<Record<'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs', bigint>> = {}): DirectoryFile => ({
  relPath,
  path: `/cache/${relPath}`,
  size: Number(stats.size ?? 10n),
  stats: { dev: 1n, ino: 2n, size: 10n, mtimeNs: 3n, ctimeNs: 4n, ...stats } as BigIntStats,
});
const repo = { registry: 'ghcr.io', repository: 'acme/zlib' };

test('the push record key changes with every input: repository, folder, and each file’s path, device, inode, size and times', () => {
  const base = pushRecordKey('/cache', repo, [file('a'), file('b')]);
  assert.equal(pushRecordKey('/cache', repo, [file('a'), file('b')]), base, 'the same inputs give the same key');
  const variants = [
    pushRecordKey('/cache', { ...repo, registry: 'quay.io' }, [file('a'), file('b')]),
    pushRecordKey('/cache', { ...repo, repository: 'acme/other' }, [file('a'), file('b')]),
    pushRecordKey('/elsewhere', repo, [file('a'), file('b')]),
    pushRecordKey('/cache', repo, [file('a')]),
    pushRecordKey('/cache', repo, [file('a'), file('c')]),
    ...(['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'] as const).map((field) => pushRecordKey('/cache', repo, [file('a'), file('b', { [field]: 99n })])),
  ];
  for (const key of variants) assert.notEqual(key, base);
  assert.equal(new Set(variants).size, variants.length);
});

test('a push record is read back only under its key, and only when no one else could have written it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'paks-push-record-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'spack-push', 'r.json');
  const record = { images: [{ tag: 'zlib-1.3-abc.spack', needs: ['build_cache/zlib.spack'] }], index: { digest: 'sha256:1', specs: 1 } };
  await writePushRecord(path, 'key', record);
  assert.deepEqual(readPushRecord(path, 'key'), record);
  assert.equal(readPushRecord(path, 'another key'), undefined);
  chmodSync(path, 0o666);
  assert.equal(readPushRecord(path, 'key'), undefined, 'writable by others');
});

test('the registry matches a record only with index.spack at its digest, every tag listed and every file in the previous artifact', () => {
  const record = { images: [{ tag: 't1', needs: ['f1', 'f2'] }], index: { digest: 'sha256:1', specs: 1 } };
  const files = new Set(['f1', 'f2']);
  assert.equal(registryMatches(record, files, new Set(['t1']), 'sha256:1'), true);
  assert.equal(registryMatches(record, files, new Set(['t1']), 'sha256:2'), false);
  assert.equal(registryMatches(record, files, new Set(['t1']), undefined), false);
  assert.equal(registryMatches(record, files, new Set(['t2']), 'sha256:1'), false);
  assert.equal(registryMatches(record, new Set(['f1']), new Set(['t1']), 'sha256:1'), false);
});
