import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
// @ts-expect-error the stand-in's tar writer is plain JavaScript (PAX headers for long names, like Python's tarfile)
import { createTar, gzip } from '../spack-standin/lib/tar.mjs';
import { decodeTarballLayer, encodeTarballLayer, readTarballLayer } from '../../src/spack-oci/tarball-layer.js';

describe('reading a .spack tarball as an image layer', () => {
  it('finds the diff_id, the prefix (long PAX names too) and the inspected folders', async () => {
    const prefix = `opt/${'deep/'.repeat(30)}linux-debian12-icelake/gcc-12.2.0/greet-paks-1.0.0-eus5xxlme3e4olqwzmc6dk5dp6hopdrj`;
    const parts = prefix.split('/');
    const entries: unknown[] = parts.map((_, i) => ({ name: parts.slice(0, i + 1).join('/'), type: 'dir', mode: 0o755 }));
    entries.push(
      { name: `${prefix}/bin`, type: 'dir', mode: 0o755 },
      { name: `${prefix}/bin/greet-paks`, type: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
      { name: `${prefix}/share`, type: 'dir', mode: 0o755 },
      { name: `${prefix}/share/man`, type: 'dir', mode: 0o755 },
      { name: `${prefix}/lib`, type: 'dir', mode: 0o755 },
      { name: `${prefix}/.spack`, type: 'dir', mode: 0o755 },
      { name: `${prefix}/.spack/binary_distribution`, type: 'file', mode: 0o644, data: Buffer.from('relative_prefix: x\n') },
    );
    const tarball = gzip(createTar(entries)) as Buffer;
    const dir = mkdtempSync(join(tmpdir(), 'paks-layer-'));
    try {
      const file = join(dir, 'x.spack');
      writeFileSync(file, tarball);
      const layer = await readTarballLayer(file);
      assert.equal(layer.diffId, `sha256:${createHash('sha256').update(gunzipSync(tarball)).digest('hex')}`);
      assert.equal(layer.prefix, `/${prefix}`);
      assert.deepEqual([...layer.inspected].sort(), ['bin', 'share/man']);
      assert.deepEqual(decodeTarballLayer(encodeTarballLayer(layer)), layer);
      writeFileSync(file, Buffer.from('not gzip'));
      await assert.rejects(readTarballLayer(file), /is not a gzip-compressed tar file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reading tarballs ahead of a push', () => {
  it('reads entries after large files (pieces of 256 KiB and more), once per tarball', async () => {
    const { randomBytes } = await import('node:crypto');
    const { tarballReader } = await import('../../src/spack-oci/push-images.js');
    const prefix = 'opt/spack/linux-debian12-x86_64/big-1.0-eus5xxlme3e4olqwzmc6dk5dp6hopdrj';
    const entries = [
      { name: 'opt', type: 'dir', mode: 0o755 },
      { name: prefix, type: 'dir', mode: 0o755 },
      { name: `${prefix}/bin`, type: 'dir', mode: 0o755 },
      // Not a multiple of any piece size, so headers after it straddle the pieces.
      { name: `${prefix}/bin/big`, type: 'file', mode: 0o755, data: randomBytes(3 * 1024 * 1024 + 777) },
      { name: `${prefix}/.spack`, type: 'dir', mode: 0o755 },
      { name: `${prefix}/.spack/binary_distribution`, type: 'file', mode: 0o644, data: Buffer.from('relative_prefix: x\n') },
    ];
    const tarball = gzip(createTar(entries)) as Buffer;
    const dir = mkdtempSync(join(tmpdir(), 'paks-layer-'));
    try {
      writeFileSync(join(dir, 'big.spack'), tarball);
      const read = tarballReader(dir);
      const spec = { tarball: 'big.spack' } as Parameters<typeof read>[0];
      const facts = await read(spec);
      assert.equal(facts.diffId, `sha256:${createHash('sha256').update(gunzipSync(tarball)).digest('hex')}`);
      assert.equal(facts.prefix, `/${prefix}`);
      assert.deepEqual([...facts.inspected], ['bin']);
      assert.equal(await read(spec), facts, 'each tarball is read once');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
