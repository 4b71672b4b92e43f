/**
 * A mirror's index: cut into records as it streams, kept in the cache folder, refreshed with
 * conditional requests after the TTL, refused when it does not match the digest that names it.
 * Real indexes from the recordings (test/fixtures/buildcache: the v3 index blob of Spack 1.1,
 * the v2 build_cache/index.json of Spack 0.23), served over loopback HTTPS and file://.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { createUrlFetcher } from '../../src/http/fetch-url.js';
import { candidatesFromIndex } from '../../src/mirror/candidates.js';
import { loadMirrorIndex, mirrorCacheDir } from '../../src/mirror/index-cache.js';
import { InstallRecordScanner } from '../../src/mirror/index-stream.js';
import { LAYOUT_V2, LAYOUT_V3 } from '../../src/mirror/layouts.js';
import { parseMirror } from '../../src/mirror/location.js';
import { serveDirectory, type StaticHttps } from '../helpers/static-https.js';
import { writeSyntheticIndex } from '../helpers/synthetic-index.js';

const V3 = fileURLToPath(new URL('../fixtures/buildcache/v3-signed/', import.meta.url));
const V2 = fileURLToPath(new URL('../fixtures/buildcache/signed/', import.meta.url));
const V3_INDEX = join(V3, 'blobs/sha256/80/80bad5c03d6cdafc12b984bdc5e3bb5a09ceedfe7b9f88d70d42951887de8f80');
const V2_INDEX = join(V2, 'build_cache/index.json');
const HOST = { platform: 'linux', os: 'debian12', target: 'zen2' };

let scratch: string;
let server: StaticHttps;
let v3Copy: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'paks-mirror-index-'));
  v3Copy = join(scratch, 'v3');
  await cp(V3, v3Copy, { recursive: true });
  server = await serveDirectory(v3Copy);
});
after(async () => {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

function scan(text: Buffer, chunkSize: number): Map<string, unknown> {
  const records = new Map<string, unknown>();
  const scanner = new InstallRecordScanner((hash, json) => records.set(hash, JSON.parse(json)), 'test');
  for (let i = 0; i < text.length; i += chunkSize) scanner.write(text.subarray(i, i + chunkSize));
  scanner.end();
  return records;
}

describe('the streaming index scanner', () => {
  for (const [label, file] of [['layout v3 (db v8)', V3_INDEX], ['layout v2 (db v7)', V2_INDEX]] as const) {
    it(`cuts the real ${label} index into exactly its install records, however it is chunked`, async () => {
      const text = await readFile(file);
      const expected = new Map(Object.entries((JSON.parse(text.toString('utf8')) as { database: { installs: Record<string, unknown> } }).database.installs));
      assert.ok(expected.size >= 4);
      for (const size of [1, 7, 4096, text.length]) assert.deepEqual(scan(text, size), expected, `chunks of ${size}`);
    });
  }

  it('refuses what is not an index', () => {
    assert.throws(() => scan(Buffer.from('{"database":{"version":"8","installs":{"a":{"spec":{}}'), 5), /ends in the middle of a value/);
    assert.throws(() => scan(Buffer.from('{"other":{}}'), 5), /has no database\.installs object/);
  });
});

describe('the index cache', () => {
  const options = (cacheDir: string, now: () => number, ttlMs = 600_000) => ({ cacheDir, ttlMs, now });

  it('downloads once, answers from the cache within the TTL, and asks with If-None-Match after it (304: no download)', async () => {
    const fetcher = createUrlFetcher({ ca: [await readFile(server.certPath, 'utf8')] });
    const cacheDir = join(scratch, 'cache-https');
    const mirror = parseMirror(server.url);
    let clock = 1_000_000;
    try {
      server.requests.length = 0;
      const first = await loadMirrorIndex(fetcher, mirror, LAYOUT_V3, options(cacheDir, () => clock));
      assert.equal(first?.how, 'downloaded');
      assert.equal(first.index.specs, 4);
      assert.deepEqual(server.requests.map((r) => r.path), ['/v3/manifests/index/index.manifest.json', '/blobs/sha256/80/80bad5c03d6cdafc12b984bdc5e3bb5a09ceedfe7b9f88d70d42951887de8f80']);
      assert.deepEqual(candidatesFromIndex(first.index, { name: 'greet-paks' }, HOST).map((c) => c.hash), ['2i36ouybuqlq746bmzdayrr4hle6batk']);

      server.requests.length = 0;
      const warm = await loadMirrorIndex(fetcher, mirror, LAYOUT_V3, options(cacheDir, () => clock));
      assert.equal(warm?.how, 'cache');
      assert.deepEqual(server.requests, []);

      clock += 600_001;
      const stale = await loadMirrorIndex(fetcher, mirror, LAYOUT_V3, options(cacheDir, () => clock));
      assert.equal(stale?.how, 'not-modified');
      assert.deepEqual(server.requests, [{ path: '/v3/manifests/index/index.manifest.json', status: 304, conditional: true }]);
      assert.deepEqual(stale.index, first.index);
      // The refresh counts as a check: within the TTL again, nothing is asked.
      server.requests.length = 0;
      assert.equal((await loadMirrorIndex(fetcher, mirror, LAYOUT_V3, options(cacheDir, () => clock + 1)))?.how, 'cache');
      assert.deepEqual(server.requests, []);
      const kept = await readdir(mirrorCacheDir(cacheDir, mirror, LAYOUT_V3));
      assert.deepEqual(kept.sort(), ['candidates-80bad5c03d6cdafc12b984bdc5e3bb5a09ceedfe7b9f88d70d42951887de8f80.json', 'index-80bad5c03d6cdafc12b984bdc5e3bb5a09ceedfe7b9f88d70d42951887de8f80.json', 'state.json']);
    } finally {
      fetcher.close();
    }
  });

  it('refuses an index that does not match the digest its manifest gives, and keeps nothing of it', async () => {
    const lying = join(scratch, 'lying-v3');
    await cp(V3, lying, { recursive: true });
    // Another spec added to the index: the manifest's checksum no longer holds.
    const text = (await readFile(V3_INDEX, 'utf8')).replace('"installs":{', '"installs":{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{"spec":{"name":"evil","version":"1","arch":{"platform":"linux","platform_os":"debian12","target":"zen2"}},"in_buildcache":true},');
    await writeFile(join(lying, 'blobs/sha256/80/80bad5c03d6cdafc12b984bdc5e3bb5a09ceedfe7b9f88d70d42951887de8f80'), text);
    const manifest = join(lying, 'v3/manifests/index/index.manifest.json');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('"contentLength":6738', `"contentLength":${Buffer.byteLength(text)}`));
    const fetcher = createUrlFetcher();
    const cacheDir = join(scratch, 'cache-lying');
    const mirror = parseMirror(pathToFileURL(lying).href);
    try {
      await assert.rejects(loadMirrorIndex(fetcher, mirror, LAYOUT_V3, options(cacheDir, Date.now)), (error: unknown) => {
        assert.ok(error instanceof PaksError && error.kind === 'integrity');
        assert.match(error.message, /^The index of file:\/\/.*lying-v3 has sha256 [0-9a-f]{64}, not the 80bad5c0[0-9a-f]{56} its v3\/manifests\/index\/index\.manifest\.json gives, so Paks did not use it\.$/);
        return true;
      });
      assert.deepEqual(await readdir(mirrorCacheDir(cacheDir, mirror, LAYOUT_V3)).catch(() => []), []);
    } finally {
      fetcher.close();
    }
  });

  it('reads a layout-v2 mirror over file:// through index.json.hash, and downloads again only when the hash changes', async () => {
    const v2 = join(scratch, 'v2');
    await cp(V2, v2, { recursive: true });
    const fetcher = createUrlFetcher();
    const cacheDir = join(scratch, 'cache-v2');
    const mirror = parseMirror(pathToFileURL(v2).href);
    try {
      const first = await loadMirrorIndex(fetcher, mirror, LAYOUT_V2, options(cacheDir, Date.now, 0));
      assert.equal(first?.how, 'downloaded');
      assert.deepEqual(candidatesFromIndex(first.index, { name: 'greet-paks' }, { platform: 'linux', os: 'debian12', target: 'icelake' }).map((c) => [c.hash, c.compiler]), [
        ['eus5xxlme3e4olqwzmc6dk5dp6hopdrj', { name: 'gcc', version: '12.2.0' }],
      ]);
      // TTL 0: the file is asked about each time; same size and time: not modified.
      assert.equal((await loadMirrorIndex(fetcher, mirror, LAYOUT_V2, options(cacheDir, Date.now, 0)))?.how, 'not-modified');
      // A v3 reader finds no v3 index here.
      assert.equal(await loadMirrorIndex(fetcher, mirror, LAYOUT_V3, options(cacheDir, Date.now, 0)), undefined);
    } finally {
      fetcher.close();
    }
  });

  it('refuses a layout-v2 index.json that index.json.hash does not describe', async () => {
    const lying = join(scratch, 'lying-v2');
    await cp(V2, lying, { recursive: true });
    const index = join(lying, 'build_cache/index.json');
    await writeFile(index, (await readFile(index, 'utf8')).replace('"in_buildcache":true', '"in_buildcache":false'));
    const fetcher = createUrlFetcher();
    const cacheDir = join(scratch, 'cache-lying-v2');
    const mirror = parseMirror(pathToFileURL(lying).href);
    try {
      await assert.rejects(loadMirrorIndex(fetcher, mirror, LAYOUT_V2, options(cacheDir, Date.now)), /has sha256 [0-9a-f]{64}, not the 515c51dd[0-9a-f]{56} its build_cache\/index\.json\.hash gives, so Paks did not use it/);
      assert.deepEqual(await readdir(mirrorCacheDir(cacheDir, mirror, LAYOUT_V2)).catch(() => []), []);
    } finally {
      fetcher.close();
    }
  });

  it('streams an index too large to read whole within a small heap', async () => {
    const dir = join(scratch, 'huge');
    await mkdir(join(dir, 'build_cache'), { recursive: true });
    const { sha256, size } = await writeSyntheticIndex(join(dir, 'build_cache/index.json'), { specs: 60_000, database: '7' });
    await writeFile(join(dir, 'build_cache/index.json.hash'), sha256);
    assert.ok(size > 60 * 1024 * 1024, `${size} bytes`);
    const heap = '--max-old-space-size=64';
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // Read naively, the same index does not fit in that heap: the test would catch a parser that did so.
    const naive = spawnSync(process.execPath, [heap, '-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(join(dir, 'build_cache/index.json'))}, 'utf8')).database`], { encoding: 'utf8' });
    assert.notEqual(naive.status, 0, 'JSON.parse of the whole index fit in the heap');
    const script = `
      const { createUrlFetcher } = await import(${JSON.stringify(join(root, 'src/http/fetch-url.ts'))});
      const { loadMirrorIndex } = await import(${JSON.stringify(join(root, 'src/mirror/index-cache.ts'))});
      const { LAYOUT_V2 } = await import(${JSON.stringify(join(root, 'src/mirror/layouts.ts'))});
      const { parseMirror } = await import(${JSON.stringify(join(root, 'src/mirror/location.ts'))});
      const fetcher = createUrlFetcher();
      const loaded = await loadMirrorIndex(fetcher, parseMirror(process.argv[1]), LAYOUT_V2, { cacheDir: process.argv[2], ttlMs: 0 });
      fetcher.close();
      process.stdout.write(String(loaded.index.specs));`;
    const streamed = spawnSync(process.execPath, [heap, '--import', 'tsx', '--input-type=module', '-e', script, pathToFileURL(dir).href, join(scratch, 'cache-huge')], { encoding: 'utf8', cwd: root });
    assert.equal(streamed.status, 0, streamed.stderr);
    assert.equal(streamed.stdout, '60000');
  });
});
