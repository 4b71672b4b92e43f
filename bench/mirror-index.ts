/**
 * How fast a Spack mirror's index is searched: a synthetic index of 100,000 specs (shaped
 * like the real db v8 index of the Spack 1.1 recording), served as a layout-v3 mirror over
 * loopback HTTPS and as a layout-v2 mirror over file://. Each run is its own Node process
 * (peak memory is that process's max RSS):
 *   cold: empty cache folder: the index is downloaded, hashed, streamed into the compact form;
 *   warm: within mirror_index_ttl: the compact form is read from the cache folder, no request;
 *   stale: after the TTL: one conditional request (304), then the compact form.
 * Each then asks for one package's candidates for this host.
 *
 *   node --import tsx bench/mirror-index.ts [--specs 100000] [--runs 3]
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serveDirectory } from '../test/helpers/static-https.js';
import { writeSyntheticIndex } from '../test/helpers/synthetic-index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};

if (args[0] === '--child') await child(args[1]!, args[2]!, args[3]!, Number(args[4]));
else await main();

async function main(): Promise<void> {
  const specs = option('specs', 100_000);
  const runs = option('runs', 3);
  const dir = await mkdtemp(join(tmpdir(), 'paks-bench-mirror-'));
  try {
    const v3 = join(dir, 'v3');
    await mkdir(join(v3, 'v3/manifests/index'), { recursive: true });
    const generated = join(dir, 'index-v3.json');
    let started = performance.now();
    const index = await writeSyntheticIndex(generated, { specs, database: '8' });
    const blobDir = join(v3, 'blobs/sha256', index.sha256.slice(0, 2));
    await mkdir(blobDir, { recursive: true });
    await rename(generated, join(blobDir, index.sha256));
    await writeFile(join(v3, 'v3/layout.json'), '{"signing": "gpg"}');
    await writeFile(join(v3, 'v3/manifests/index/index.manifest.json'), JSON.stringify({ version: 3, data: [{ contentLength: index.size, mediaType: 'application/vnd.spack.db.v8+json', compression: 'none', checksumAlgorithm: 'sha256', checksum: index.sha256 }] }));
    const v2 = join(dir, 'v2');
    await mkdir(join(v2, 'build_cache'), { recursive: true });
    const index2 = await writeSyntheticIndex(join(v2, 'build_cache/index.json'), { specs, database: '7' });
    await writeFile(join(v2, 'build_cache/index.json.hash'), index2.sha256);
    console.log(`synthetic indexes of ${specs} specs: v3 ${(index.size / 2 ** 20).toFixed(1)} MiB, v2 ${(index2.size / 2 ** 20).toFixed(1)} MiB (made in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

    const server = await serveDirectory(v3);
    try {
      const rows: string[] = [];
      for (const [label, url, layout] of [['v3 over https', server.url, '3'], ['v2 over file://', pathToFileURL(v2).href + '/', '2']] as const) {
        for (const mode of ['cold', 'warm', 'stale'] as const) {
          const results: { ms: number; rssMiB: number; candidates: number; how: string }[] = [];
          for (let run = 0; run < runs; run++) {
            const cache = join(dir, `cache-${layout}-${mode}-${run}`);
            // warm and stale start from a cache a cold run filled.
            if (mode !== 'cold') await runChild(server.certPath, 'cold', url, cache, layout);
            results.push(await runChild(server.certPath, mode, url, cache, layout));
          }
          const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
          rows.push(`| ${label} | ${mode} (${results[0]!.how}) | ${(median(results.map((r) => r.ms)) / 1000).toFixed(2)} s | ${median(results.map((r) => r.rssMiB)).toFixed(0)} MiB | ${results[0]!.candidates} |`);
        }
      }
      console.log('\n| mirror | run | search (median) | peak RSS (median) | candidates |\n| --- | --- | --- | --- | --- |');
      for (const row of rows) console.log(row);
      console.log(`\nmachine: ${execFileSync('nproc').toString().trim()} cores, load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}; node ${process.version}`);
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asynchronous, so this process goes on serving the mirror to the child. */
async function runChild(certPath: string, mode: string, url: string, cache: string, layout: string): Promise<{ ms: number; rssMiB: number; candidates: number; how: string }> {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--child', mode, url, cache, layout], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath } });
  return JSON.parse(stdout) as { ms: number; rssMiB: number; candidates: number; how: string };
}

async function child(mode: string, url: string, cacheDir: string, layout: number): Promise<void> {
  const [{ createUrlFetcher }, { loadMirrorIndex }, { candidatesFromIndex }, { layoutFor }, { parseMirror }] = await Promise.all([
    import('../src/http/fetch-url.js'),
    import('../src/mirror/index-cache.js'),
    import('../src/mirror/candidates.js'),
    import('../src/mirror/layouts.js'),
    import('../src/mirror/location.js'),
  ]);
  const fetcher = createUrlFetcher();
  const now = mode === 'stale' ? () => Date.now() + 3_600_000 : Date.now;
  const started = performance.now();
  const loaded = await loadMirrorIndex(fetcher, parseMirror(url), layoutFor(layout as 2 | 3), { cacheDir, ttlMs: 600_000, now });
  if (!loaded) throw new Error('no index');
  const candidates = candidatesFromIndex(loaded.index, { name: 'pkg-42' }, { platform: 'linux', os: 'debian12', target: 'icelake' });
  const ms = performance.now() - started;
  fetcher.close();
  process.stdout.write(JSON.stringify({ ms, rssMiB: process.resourceUsage().maxRSS / 1024, candidates: candidates.length, how: loaded.how }));
}
