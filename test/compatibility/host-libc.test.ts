import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { detectHostLibc, elfInterpreter, libcPrefix, type LibcProbe } from '../../src/compatibility/index.js';

interface Recording {
  loader: string;
  realpath: string;
  loaderOutput: { stdout: string; stderr: string };
  lddPath?: string;
  lddOutput?: { stdout: string; stderr: string };
}
const RECORDED = JSON.parse(await readFile(new URL('../fixtures/compatibility/host-libc.json', import.meta.url), 'utf8')) as Record<string, Recording>;

/** A machine that answers with what was recorded; `runs` counts the programs started. */
function recordedMachine(recording: Recording, change: Partial<Recording> = {}) {
  const r = { ...recording, ...change };
  const runs: string[] = [];
  const probe: LibcProbe = {
    loader: async () => r.loader,
    realpath: async (path) => (path === r.loader ? r.realpath : path),
    exists: async (path) => path === r.loader || path === r.lddPath,
    run: async (file) => {
      runs.push(file);
      if (file === r.loader) return r.loaderOutput;
      if (file === r.lddPath) return r.lddOutput;
      return undefined;
    },
  };
  return { probe, runs };
}

test('glibc: the loader names the version, its real path the prefix', async () => {
  const { probe, runs } = recordedMachine(RECORDED['debian12-glibc']!);
  assert.deepEqual(await detectHostLibc(probe), { name: 'glibc', version: '2.36', prefix: '/usr' });
  assert.deepEqual(runs, ['/lib64/ld-linux-x86-64.so.2'], 'one program run');
});

test('glibc whose loader says nothing useful: ldd beside the prefix does', async () => {
  const { probe, runs } = recordedMachine(RECORDED['debian12-glibc']!, { loaderOutput: { stdout: '', stderr: '' } });
  assert.deepEqual(await detectHostLibc(probe), { name: 'glibc', version: '2.36', prefix: '/usr' });
  assert.deepEqual(runs, ['/lib64/ld-linux-x86-64.so.2', '/usr/bin/ldd']);
});

test('musl: the version from the loader\'s stderr, prefix /', async () => {
  const { probe } = recordedMachine(RECORDED.musl!);
  assert.deepEqual(await detectHostLibc(probe), { name: 'musl', version: '1.2.3', prefix: '/' });
});

test('no loader, or a layout Spack gives up on: no libc', async () => {
  const { probe } = recordedMachine(RECORDED['debian12-glibc']!, { realpath: '/opt/weird/place/ld.so' });
  assert.equal(await detectHostLibc(probe), undefined);
  assert.equal(await detectHostLibc({ ...probe, loader: async () => undefined }), undefined);
  assert.equal(libcPrefix('/lib64/ld-linux-x86-64.so.2'), '/');
  assert.equal(libcPrefix('/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), '/usr');
});

test('the loader is read from an ELF header (PT_INTERP)', async () => {
  // A minimal ELF64 little-endian header with one PT_INTERP program header.
  const interp = Buffer.from('/lib64/ld-linux-x86-64.so.2\0');
  const bytes = Buffer.alloc(64 + 56 + interp.length);
  bytes.writeUInt32BE(0x7f454c46, 0);
  bytes[4] = 2;
  bytes[5] = 1;
  bytes.writeBigUInt64LE(64n, 0x20);
  bytes.writeUInt16LE(56, 0x36);
  bytes.writeUInt16LE(1, 0x38);
  bytes.writeUInt32LE(3, 64);
  bytes.writeBigUInt64LE(120n, 64 + 0x08);
  bytes.writeBigUInt64LE(BigInt(interp.length), 64 + 0x20);
  interp.copy(bytes, 120);
  assert.equal(elfInterpreter(bytes), '/lib64/ld-linux-x86-64.so.2');
  assert.equal(elfInterpreter(Buffer.from('#!/bin/sh\n')), undefined);
  if (process.platform === 'linux') {
    const own = elfInterpreter(await readFile(process.execPath).then((b) => b.subarray(0, 16384)));
    assert.ok(own === undefined || own.startsWith('/'), `node's loader: ${own}`);
  }
});
