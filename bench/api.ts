/**
 * Metadata API benchmark: `paks api build` of a 1,000-package repository against a local
 * registry holding a signed binary of each, and `paks serve` under 200 concurrent clients.
 *   node --import tsx bench/api.ts [--packages 1000] [--rounds 3] [--clients 200] [--requests 25]
 * Spack is the test stand-in (one `spack list`, then one `spack info` per recipe, as with a
 * real Spack); the registry is Debian's docker-registry on loopback. Run `npm run build` first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as openpgp from 'openpgp';
import { staticCredentials } from '../src/oci/auth/credentials.js';
import { createRegistryClient, type RegistryClient } from '../src/oci/client.js';
import { EMPTY_CONFIG, OCI_INDEX, OCI_MANIFEST, PAKS_BUILDCACHE, mediaTypeForPath } from '../src/oci/media-types.js';
import { mapWithConcurrency } from '../src/oci/pool.js';
import { PAKS_CJS, runPaks } from '../test/helpers/cli.js';
import { startRegistry } from '../test/helpers/registry.js';
import { World, type Machine } from '../test/e2e/world.js';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1]! : fallback;
};
const packages = Number(arg('packages', '1000'));
const rounds = Number(arg('rounds', '3'));
const coldRounds = Number(arg('cold-rounds', '1'));
const clients = Number(arg('clients', '200'));
const requestsPerClient = Number(arg('requests', '25'));
// `--workers 0,2`: measure `paks serve` as one process, then with two cluster workers.
const workerCounts = arg('workers', '0').split(',').map(Number);

// `--synthetic N`: only the serve part, on N hand-made packages (the tests' sample
// documents) served in-process by a child; no Spack, no registry, starts in a second.
const synthetic = process.argv.includes('--synthetic') ? Number(arg('synthetic', '1000')) : 0;
if (process.argv.includes('--serve-synthetic')) {
  const { sampleDocuments } = await import('../test/api/documents.js');
  const { createRefresher, serveCatalogue } = await import('../src/api/server.js');
  const documents = sampleDocuments(Number(arg('serve-synthetic', '1000')));
  const refresher = createRefresher({ ttlMs: 3_600_000, load: async () => documents });
  const running = await serveCatalogue({ refresher, host: '127.0.0.1', port: 0, workers: Number(arg('workers', '0')) });
  if (running.role !== 'worker') console.log(`Serving ${running.url} (synthetic)`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => (running.role === 'worker' ? undefined : void running.close().then(() => process.exit(0))));
  await new Promise(() => undefined);
}

const names = Array.from({ length: packages }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const dagHash = (name: string) => [...createHash('sha256').update(name).digest()].slice(0, 32).map((b) => BASE32[b % 32]).join('');

async function writeRecipes(root: string): Promise<void> {
  await mkdir(join(root, 'packages'), { recursive: true });
  await writeFile(join(root, 'repo.yaml'), 'repo:\n  namespace: benchrepo\n');
  for (const name of names) {
    const className = name.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
    await mkdir(join(root, 'packages', name), { recursive: true });
    await writeFile(
      join(root, 'packages', name, 'package.py'),
      `from spack.package import *\n\n\nclass ${className}(MakefilePackage):\n    """Benchmark package ${name}: a library and a tool."""\n\n    homepage = "https://example.com/${name}"\n    url = "https://example.com/${name}-1.0.0.tar.gz"\n\n    license("MIT")\n\n    version("1.0.0", sha256="${createHash('sha256').update(name).digest('hex')}")\n`,
    );
  }
}

/** One signed build-cache artifact per package, laid out as `paks build --push` does. */
async function pushArtifacts(client: RegistryClient, host: string): Promise<void> {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Bench', email: 'bench@example.com' }], format: 'object' });
  const fingerprint = publicKey.getFingerprint().toUpperCase();
  const armoredKey = Buffer.from(publicKey.armor());
  await mapWithConcurrency(names, 8, async (name) => {
    const repo = { registry: host, repository: `bench/${name}` };
    const hash = dagHash(name);
    const stem = `linux-debian12-icelake-gcc-12.2.0-${name}-1.0.0-${hash}`;
    const spec = JSON.stringify({ spec: { _meta: { version: 4 }, nodes: [{ name, version: '1.0.0', hash }] } });
    const signed = await openpgp.sign({ message: await openpgp.createCleartextMessage({ text: spec }), signingKeys: privateKey });
    const files: [string, Buffer][] = [
      [`build_cache/${stem}.spec.json.sig`, Buffer.from(signed)],
      [`build_cache/linux-debian12-icelake/gcc-12.2.0/${name}-1.0.0/${stem}.spack`, createHash('sha512').update(name).digest()],
      [`build_cache/${stem}.cdx.json`, Buffer.from(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name }] }))],
      [`build_cache/${stem}.spdx.json`, Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name }))],
      [`build_cache/_pgp/${fingerprint}.pub`, armoredKey],
    ];
    await client.pushBlobBytes(repo, Buffer.from('{}'), EMPTY_CONFIG.mediaType);
    const layers = [];
    for (const [title, bytes] of files.sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const mediaType = mediaTypeForPath(title);
      const pushed = await client.pushBlobBytes(repo, bytes, mediaType);
      layers.push({ mediaType, digest: pushed.digest, size: pushed.size, annotations: { 'org.opencontainers.image.title': title } });
    }
    const annotations = { 'org.opencontainers.image.created': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), 'dev.paks.spack.target': 'icelake', 'dev.paks.spack.os': 'debian12', 'dev.paks.spack.compiler': 'gcc@12.2.0' };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: PAKS_BUILDCACHE, config: EMPTY_CONFIG, layers, annotations }));
    const put = await client.putManifest(repo, `1.0.0-${hash.slice(0, 7)}`, manifest, OCI_MANIFEST);
    const { 'org.opencontainers.image.created': _created, ...platformAnnotations } = annotations;
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, artifactType: PAKS_BUILDCACHE, digest: put.digest, size: put.size, platform: { os: 'linux', architecture: 'amd64' }, annotations: platformAnnotations }] }));
    for (const tag of ['1.0.0', 'latest']) await client.putManifest(repo, tag, index, OCI_INDEX);
  });
}

async function timed(machine: Machine, args: string[]): Promise<number> {
  const started = performance.now();
  // A cold build asks Spack about every recipe: far longer than the tests' two minutes.
  const result = await runPaks(args, { home: machine.home, env: machine.env, timeoutMs: 3_600_000 });
  if (result.exitCode !== 0) throw new Error(`paks ${args.join(' ')} failed:\n${result.stderr}`);
  return (performance.now() - started) / 1000;
}

function get(agent: Agent, url: URL, path: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end();
  });
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** Starts a server child and waits for the address it prints. */
async function startServer(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: URL; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<URL>((resolve, reject) => {
    let output = '';
    const read = (d: Buffer) => {
      output += d.toString();
      const found = /Serving (http:\/\/\S+\/) /.exec(output);
      if (found) resolve(new URL(found[1]!));
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', () => reject(new Error(output)));
  });
  return { url, child };
}

/** CPU seconds (user + system) a process and its children used so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // utime, stime, cutime, cstime are fields 14-17 of stat (11-14 after pid, comm, state).
    return [11, 12, 13, 14].reduce((sum, at) => sum + Number(fields[at]), 0) / 100;
  } catch {
    return Number.NaN;
  }
}
const processesOf = (pid: number): number[] => {
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  return [pid, ...children];
};
const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/** The mixed-path Node client, then ApacheBench on single paths; CPU of client and server beside each. */
async function loadServer(url: URL, serverPid: number, names: string[], version: string): Promise<void> {
  // `--nice`: this process (the Node client) and the ApacheBench it starts run at nice 10,
  // below the server, so that on a small machine the server is not starved by its client.
  const nice = process.argv.includes('--nice');
  if (nice) setPriority(10);
  try {
    await loadServerAt(url, serverPid, names, version, nice);
  } finally {
    // Back to normal for the next server this process starts (lowering niceness needs root).
    if (nice) {
      try {
        setPriority(0);
      } catch {
        console.log('(could not return to nice 0: the next server starts at nice 10 too)');
      }
    }
  }
}

async function loadServerAt(url: URL, serverPid: number, names: string[], version: string, nice: boolean): Promise<void> {
  const paths = (i: number) => {
    const name = names[i % names.length]!;
    const pick = i % 10;
    if (pick === 0) return '/api/v1/packages.json';
    if (pick === 1) return `/api/v1/packages.json?q=${name.slice(-3)}`;
    if (pick < 5) return `/api/v1/packages/${name}.json`;
    if (pick < 7) return `/api/v1/packages/${name}/${version}.json`;
    return `/packages/${name}.html`;
  };
  const serverPids = processesOf(serverPid);
  for (let round = 0; round < rounds; round++) {
    const agent = new Agent({ keepAlive: true, maxSockets: clients });
    const latencies: number[] = [];
    let errors = 0;
    const serverCpu = cpuOf(serverPids);
    const clientCpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let r = 0; r < requestsPerClient; r++) {
          const answer = await get(agent, url, paths(c * requestsPerClient + r));
          latencies.push(answer.ms);
          if (answer.status !== 200) errors++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(clientCpu);
    agent.destroy();
    console.log(
      `${nice ? 'nice ' : ''}paks serve, ${clients} concurrent clients × ${requestsPerClient} requests, mixed paths: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms, ${errors} errors, ${(latencies.length / seconds).toFixed(0)} requests/s; CPU client ${((used.user + used.system) / 1e6).toFixed(2)} s, server ${(cpuOf(serverPids) - serverCpu).toFixed(2)} s in ${seconds.toFixed(2)} s`,
    );
  }
  // The same with ApacheBench (apache2-utils), a load generator in C. `--nice` runs it at a
  // lower priority, so that on a small machine the server is not starved by its own client.
  const ab = spawnSync('ab', ['-V'], { encoding: 'utf8' });
  if (ab.status !== 0) return;
  // The list once more as browsers, curl --compressed and fetch() ask for it: gzip (a tenth of the bytes).
  const runs: [string, string[]][] = [[`/api/v1/packages/${names[42]}.json`, []], [`/packages/${names[42]}.html`, []], ['/api/v1/packages.json', []], ['/api/v1/packages.json', ['-H', 'Accept-Encoding: gzip']]];
  for (const [path, headers] of runs) {
    const serverCpu = cpuOf(serverPids);
    const command = ['/usr/bin/time', '-f', 'CPU %U %S', 'ab', '-q', '-k', ...headers, '-c', String(clients), '-n', String(clients * requestsPerClient), `${url.origin}${path}`];
    const run = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
    const p = (n: number) => new RegExp(`^\\s+${n}%\\s+(\\d+)`, 'm').exec(run.stdout)?.[1] ?? '?';
    const failed = /Failed requests:\s+(\d+)/.exec(run.stdout)?.[1] ?? '?';
    const rate = /Requests per second:\s+([\d.]+)/.exec(run.stdout)?.[1] ?? '?';
    const taken = /Time taken for tests:\s+([\d.]+)/.exec(run.stdout)?.[1] ?? '?';
    const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(run.stderr);
    const clientCpu = cpu ? (Number(cpu[1]) + Number(cpu[2])).toFixed(2) : '?';
    console.log(`${nice ? 'nice ' : ''}ab -k ${headers.length ? `-H '${headers[1]}' ` : ''}-c ${clients} -n ${clients * requestsPerClient} ${path}: p50 ${p(50)} ms, p99 ${p(99)} ms, ${failed} failed, ${rate} requests/s; CPU client ${clientCpu} s, server ${(cpuOf(serverPids) - serverCpu).toFixed(2)} s in ${taken} s`);
  }
}

if (synthetic) {
  const sampleNames = Array.from({ length: synthetic }, (_, i) => (i === 0 ? 'zlib' : `pkg-${i}`));
  for (const workers of workerCounts) {
    console.log(`-- ${workers > 1 ? `${workers} workers` : 'one process'}`);
    const { url, child } = await startServer([...process.execArgv, process.argv[1]!, '--serve-synthetic', String(synthetic), '--workers', String(workers)], process.env);
    try {
      await loadServer(url, child.pid!, sampleNames, '1.0.0');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  process.exit(0);
}

const world = await World.create();
const registry = await startRegistry();
try {
  const machine = await world.machine('bench', { repos: [] });
  const repo = join(world.dir, 'repo');
  await writeRecipes(repo);
  const client = createRegistryClient({ credentials: staticCredentials({ kind: 'anonymous', source: 'anonymous' }), concurrency: 8 });
  let started = performance.now();
  await pushArtifacts(client, registry.host);
  await client.close();
  console.log(`set-up: ${packages} recipes and ${packages} signed artifacts pushed in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const reg = `${registry.host}/bench`;
  const cache = join(machine.home, '.paks', 'cache', 'api');
  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round < Math.max(rounds, coldRounds); round++) {
    if (round < coldRounds) {
      await rm(cache, { recursive: true, force: true });
      cold.push(await timed(machine, ['api', 'build', join(world.dir, 'site'), '--repo', repo, '--registry', reg]));
    }
    if (round < rounds) warm.push(await timed(machine, ['api', 'build', join(world.dir, 'site'), '--repo', repo, '--registry', reg]));
  }
  const fmt = (xs: number[]) => `${Math.min(...xs).toFixed(2)} s best (${xs.map((x) => x.toFixed(2)).join(', ')})`;
  console.log(`paks api build, ${packages} packages, no spack info cache: ${fmt(cold)}`);
  console.log(`paks api build, ${packages} packages, recipes unchanged (spack info cached): ${fmt(warm)}`);

  // paks serve under load: a keep-alive client per connection, a realistic mix of paths.
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('PAKS_')) env[key] = value;
  Object.assign(env, machine.env, { HOME: machine.home, CI: 'true' });
  for (const workers of workerCounts) {
    console.log(`-- paks serve ${workers > 1 ? `--workers ${workers}` : '(one process)'}`);
    const { url, child } = await startServer([PAKS_CJS, '--quiet', 'serve', '--repo', repo, '--registry', reg, '--port', '0', '--ttl', '3600', '--workers', String(workers)], env);
    try {
      await loadServer(url, child.pid!, names, '1.0.0');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
} finally {
  await registry.stop();
  await world.dispose();
}
