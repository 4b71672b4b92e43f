/**
 * What Spack-native images add to a push: `paks push` of a real-shaped layout-v2 build cache
 * with and without `--no-spack-images`, on a fresh local registry and a fresh HOME each time.
 *   node --import tsx bench/spack-images.ts [--specs 40] [--size-mib 512] [--rounds 3] [--link-mbps 1000] [--link proxy|kernel]
 * With --link-mbps, Paks reaches the registry over a link of that rate, as a push to a registry
 * over a network does. `--link kernel` (the default when this user may change the loopback
 * device's queueing, as root can) has the kernel pace loopback with a token bucket (`tc qdisc
 * ... tbf`); otherwise a proxy in this process paces every connection's upload together, and
 * that proxy needs CPU from the same two cores Paks and the registry use.
 * The cache: N specs in a dependency chain (each links the two before it), unsigned spec
 * files with every node of its closure, CycloneDX and SPDX files beside them, index.json, and
 * `.spack` tarballs (gzip tars of a prefix; half random bytes, half text, so they compress
 * about 2:1 like binaries do).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry } from '../test/helpers/registry.js';
import { generateSpackCache } from './spack-cache.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const SPECS = arg('--specs', 40);
const TOTAL = arg('--size-mib', 512) * 1024 * 1024;
const ROUNDS = arg('--rounds', 3);
const LINK_MBPS = arg('--link-mbps', 0);
const LINK_KIND = process.argv.includes('--link') ? process.argv[process.argv.indexOf('--link') + 1] : undefined;
/**
 * A TCP proxy to `target` whose client-to-registry direction is a link of LINK_MBPS shared by
 * every connection (what a push waits for); answers come back unthrottled.
 */
async function throttled(target: string): Promise<{ host: string; close(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const bytesPerMs = (LINK_MBPS * 1e6) / 8 / 1000;
  let linkFreeAt = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host, port });
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      const now = performance.now();
      linkFreeAt = Math.max(now, linkFreeAt) + chunk.length / bytesPerMs;
      client.pause();
      setTimeout(() => {
        upstream.write(chunk);
        client.resume();
      }, linkFreeAt - now);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Has the kernel pace the loopback device at LINK_MBPS (a token bucket on `lo`, for every
 * connection on it: here Paks and its registry) until the returned function runs. Undefined
 * when it cannot (no tc, not allowed, or `lo` already has a queueing discipline of its own,
 * which is left alone).
 */
function kernelLink(): (() => void) | undefined {
  const tc = (...args: string[]) => execFileSync('tc', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  try {
    if (!tc('qdisc', 'show', 'dev', 'lo').startsWith('qdisc noqueue')) return undefined;
    // The burst holds a few of loopback's 64 KiB packets; the latency bounds the queue.
    tc('qdisc', 'add', 'dev', 'lo', 'root', 'tbf', 'rate', `${LINK_MBPS}mbit`, 'burst', '512kb', 'latency', '100ms');
  } catch {
    return undefined;
  }
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    try {
      tc('qdisc', 'del', 'dev', 'lo', 'root');
    } catch {
      process.stderr.write('could not remove the loopback link; run: tc qdisc del dev lo root\n');
    }
  };
  process.once('exit', remove);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  return remove;
}

let linkUsed = 'loopback';

/** A fresh registry, behind the throttled link when --link-mbps is given. */
async function registryForRun(): Promise<{ host: string; stop(): Promise<void> }> {
  const registry = await startRegistry();
  if (!LINK_MBPS || linkUsed.startsWith('kernel')) return registry;
  const link = await throttled(registry.host);
  return {
    host: link.host,
    stop: async () => {
      await link.close();
      await registry.stop();
    },
  };
}

function timed(args: string[], home: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(join(root, 'bin/paks'), ['--quiet', ...args], { env: { ...process.env, HOME: home, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e9) : reject(new Error(`paks ${args.join(' ')}: ${stderr}`))));
  });
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  const work = join('/dev/shm', `paks-bench-spack-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const cache = join(work, 'cache');
  generateSpackCache(cache, { specs: SPECS, totalBytes: TOTAL });
  let removeLink: (() => void) | undefined;
  if (LINK_MBPS) {
    removeLink = LINK_KIND === 'proxy' ? undefined : kernelLink();
    if (!removeLink && LINK_KIND === 'kernel') throw new Error('--link kernel: could not add a tbf queueing discipline to lo (tc, as root)');
    linkUsed = removeLink ? `kernel-paced ${LINK_MBPS} Mbit/s loopback (tc tbf)` : `${LINK_MBPS} Mbit/s proxy in the benchmark's own process`;
  }
  const runs: Record<string, number[]> = { without: [], with: [], rewith: [], warmwithout: [], warmwith: [] };
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const kind of round % 2 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
        const home = join(work, `home-${kind}-${round}`);
        mkdirSync(home);
        const flags = kind === 'without' ? ['--no-spack-images'] : [];
        let registry = await registryForRun();
        try {
          runs[kind]!.push(await timed(['push', cache, `${registry.host}/bench/spack:1`, ...flags], home));
          if (kind === 'with') runs.rewith!.push(await timed(['push', cache, `${registry.host}/bench/spack:1`], home));
        } finally {
          await registry.stop();
        }
        // The same push to an empty registry from the same HOME: every digest (and diff_id) already known.
        registry = await registryForRun();
        try {
          runs[`warm${kind}`]!.push(await timed(['push', cache, `${registry.host}/bench/spack:1`, ...flags], home));
        } finally {
          await registry.stop();
        }
      }
      process.stderr.write(`round ${round}: without ${runs.without!.at(-1)!.toFixed(2)} s, with ${runs.with!.at(-1)!.toFixed(2)} s\n`);
    }
  } finally {
    removeLink?.();
    await rm(work, { recursive: true, force: true });
  }
  const best = (k: string) => Math.min(...runs[k]!);
  const overhead = ((best('with') - best('without')) / best('without')) * 100;
  console.log(`specs: ${SPECS}, tarballs: ${(TOTAL / 1024 / 1024).toFixed(0)} MiB (before gzip), rounds: ${ROUNDS}, registry and data on tmpfs${LINK_MBPS ? `, upload through a ${linkUsed}` : ', loopback'}`);
  console.log(`paks push --no-spack-images: best ${best('without').toFixed(2)} s (${runs.without!.map((s) => s.toFixed(2)).join(', ')})`);
  console.log(`paks push (with Spack images): best ${best('with').toFixed(2)} s (${runs.with!.map((s) => s.toFixed(2)).join(', ')})`);
  console.log(`re-push unchanged (with Spack images): best ${best('rewith').toFixed(2)} s (${runs.rewith!.map((s) => s.toFixed(2)).join(', ')})`);
  console.log(`Spack images cost: ${overhead.toFixed(1)}% of the push (tarballs decompressed for their diff_ids)`);
  const warm = ((best('warmwith') - best('warmwithout')) / best('warmwithout')) * 100;
  console.log(`to an empty registry, digests and diff_ids known: without ${best('warmwithout').toFixed(2)} s (${runs.warmwithout!.map((s) => s.toFixed(2)).join(', ')}), with ${best('warmwith').toFixed(2)} s (${runs.warmwith!.map((s) => s.toFixed(2)).join(', ')})`);
  console.log(`Spack images cost (manifests and configs only): ${warm.toFixed(1)}% of the push`);
}

await main();
