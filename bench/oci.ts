/**
 * OCI transport benchmark: Paks against skopeo on the same bytes and the same local registry.
 *   node --import tsx bench/oci.ts [--size-mib 1024] [--rounds 3] [--skip-skopeo] [--on-disk] [--clean-node-env]
 * Generates a build-cache-like tree (many small files, some medium, a few large; random,
 * incompressible bytes), then measures push, unchanged re-push and pull for Paks (each a
 * child process under /usr/bin/time -v for peak RSS) and copy to/from the registry for
 * skopeo (an OCI layout of the same blobs). Paks is the CLI users run: `bin/paks push` and
 * `bin/paks pull` over a freshly built dist/, with a temporary HOME. Then the same for a
 * real-shaped Spack build cache (bench/spack-cache.ts; --spack-specs 40 --spack-mib 512, or
 * --skip-spack-images): first push and unchanged re-push with Spack's images, and with
 * --no-spack-images, so the Spack-image step's share of each is visible. --clean-node-env runs
 * Paks without NODE_OPTIONS and NODE_EXTRA_CA_CERTS (a CA file makes every Node start read it:
 * ~70 ms on the project machine); the results say which of them Paks had. Results go to stdout
 * and bench/results/.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { generateSpackCache } from './spack-cache.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const sizeArg = process.argv.indexOf('--size-mib');
const TOTAL = (sizeArg > 0 ? Number(process.argv[sizeArg + 1]) : 1024) * 1024 * 1024;
const SKIP_SKOPEO = process.argv.includes('--skip-skopeo');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
// On tmpfs (RAM) the disk of a shared VM does not add its noise: this measures the tools.
const ON_DISK = process.argv.includes('--on-disk');
const MiB = 1024 * 1024;
const SKIP_SPACK_IMAGES = process.argv.includes('--skip-spack-images');
const numberArg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const SPACK_SPECS = numberArg('--spack-specs', 40);
const SPACK_BYTES = numberArg('--spack-mib', 512) * MiB;
/** Variables that change how long any Node program takes to start, whatever it runs. */
const NODE_START_VARIABLES = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];
const CLEAN_NODE_ENV = process.argv.includes('--clean-node-env');
/** The environment Paks runs with. */
function paksEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (CLEAN_NODE_ENV) for (const name of NODE_START_VARIABLES) delete env[name];
  return env;
}
// skopeo 1.9 slows down per layer as layers add up (~55 ms each at 400), so "many" is 600 here.
const SMALL_FILES = 600;

interface FileSpec {
  rel: string;
  size: number;
}

/** ~2% of the bytes in 600 small files, ~20% in 40 medium ones, the rest in 3 large tarballs. */
function layout(total: number): FileSpec[] {
  const files: FileSpec[] = [];
  let rest = total;
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < SMALL_FILES; i++) {
    const size = Math.floor(1024 + next() * 64 * 1024 * (total / (1024 * MiB)));
    files.push({ rel: `build_cache/linux-debian12-x86_64_v3/gcc-12.2.0/pkg${i}/linux-debian12-x86_64_v3-gcc-12.2.0-pkg${i}-${i.toString(36).padStart(7, 'a')}.spec.json.sig`, size });
    rest -= size;
  }
  for (let i = 0; i < 40; i++) {
    const size = Math.floor((total * 0.2) / 40);
    files.push({ rel: `build_cache/linux-debian12-x86_64_v3/gcc-12.2.0/lib${i}/linux-debian12-x86_64_v3-gcc-12.2.0-lib${i}-x.spack`, size });
    rest -= size;
  }
  for (let i = 0; i < 3; i++) {
    const size = i < 2 ? Math.floor(rest / 3) : rest - 2 * Math.floor(rest / 3);
    files.push({ rel: `build_cache/linux-debian12-x86_64_v3/gcc-12.2.0/big${i}/linux-debian12-x86_64_v3-gcc-12.2.0-big${i}-x.spack`, size });
  }
  files.push({ rel: 'build_cache/index.json', size: 4096 }, { rel: 'build_cache/index.json.hash', size: 65 });
  return files;
}

function generate(dir: string, files: FileSpec[]): number {
  const noise = randomFillSync(Buffer.alloc(8 * MiB));
  let total = 0;
  for (const [index, file] of files.entries()) {
    const path = join(dir, file.rel);
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'w');
    // A unique head keeps every file's digest distinct; the body is incompressible noise.
    const head = Buffer.from(`${index}:${file.rel}:`.padEnd(64, '#'));
    let written = writeSync(fd, head, 0, Math.min(head.length, file.size));
    while (written < file.size) {
      const n = Math.min(noise.length - (written % noise.length), file.size - written);
      written += writeSync(fd, noise, (written * 7) % (noise.length - n + 1), n);
    }
    closeSync(fd);
    total += file.size;
  }
  return total;
}

interface Run {
  seconds: number;
  maxRssKiB: number;
  [key: string]: unknown;
}

/** Runs a command under /usr/bin/time -v; returns wall seconds, peak RSS and its stdout. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run & { stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', command, ...args], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr.slice(-3000)}`));
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({ seconds, maxRssKiB: rss ? Number(rss[1]) : NaN, stdout });
    });
  });
}

/** `paks ARGS` as a user runs it, with HOME (settings, digest cache) in `home`. */
const paks = (home: string, ...args: string[]) =>
  timed(join(root, 'bin/paks'), ['--quiet', ...args], { ...paksEnv(), HOME: home, CI: '1' }).then(parse);

/** Builds dist/ and the bundle bin/paks runs, so the measured process is what users run. */
function build(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe' });
}

/** The same files as an OCI image layout (hard links into blobs/sha256), for skopeo. */
function ociLayout(dir: string, source: string, files: FileSpec[]): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const layers = files.map((file) => {
    const data = readFileSync(join(source, file.rel));
    const hex = createHash('sha256').update(data).digest('hex');
    try {
      linkSync(join(source, file.rel), join(dir, 'blobs', 'sha256', hex));
    } catch {
      // Same content twice: one blob.
    }
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${hex}`, size: data.length, annotations: { 'org.opencontainers.image.title': file.rel } };
  });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }));
  const configHex = createHash('sha256').update(config).digest('hex');
  writeFileSync(join(dir, 'blobs', 'sha256', configHex), config);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configHex}`, size: config.length }, layers }),
  );
  const manifestHex = createHash('sha256').update(manifest).digest('hex');
  writeFileSync(join(dir, 'blobs', 'sha256', manifestHex), manifest);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifestHex}`, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }),
  );
}

const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;
const mib = (kib: number) => kib / 1024;

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  if (!ON_DISK) process.env.TMPDIR = '/dev/shm';
  const work = join(tmpdir(), `paks-bench-${process.pid}`);
  const source = join(work, 'cache');
  const home = join(work, 'home');
  mkdirSync(home, { recursive: true });
  let homes = 0;
  const freshHome = () => {
    const dir = join(home, `fresh${homes++}`);
    mkdirSync(dir);
    return dir;
  };
  process.stderr.write('Building dist/ ...\n');
  build();
  const files = layout(TOTAL);
  process.stderr.write(`Generating ${files.length} files (${(TOTAL / MiB).toFixed(0)} MiB) in ${source} ...\n`);
  const bytes = generate(source, files);
  const registries: TestRegistry[] = [];
  const results: Record<string, Run> = {};
  const rounds: Record<string, number[]> = {};
  const keepBest = (name: string, run: Run) => {
    (rounds[name] ??= []).push(run.seconds);
    if (!results[name] || run.seconds < results[name]!.seconds) results[name] = run;
  };
  const skopeo = execFileSync('skopeo', ['--version'], { encoding: 'utf8' }).trim();
  const fresh = async () => {
    const registry = await startRegistry();
    registries.push(registry);
    return registry;
  };
  try {
    if (!SKIP_SKOPEO) {
      process.stderr.write('Preparing the OCI layout for skopeo (not timed) ...\n');
      ociLayout(join(work, 'layout'), source, files);
    }
    // The machine may be shared: rounds alternate the tools, and the best time of each counts.
    for (let round = 1; round <= ROUNDS; round++) {
      const paksRegistry = await fresh();
      const paksHome = join(home, `round${round}`);
      mkdirSync(paksHome, { recursive: true });
      execFileSync('sync');
      process.stderr.write(`Round ${round}: Paks push ...\n`);
      keepBest('paksPush', await paks(paksHome, 'push', source, `${paksRegistry.host}/bench/paks:1`));
      process.stderr.write(`Round ${round}: Paks re-push (unchanged) ...\n`);
      keepBest('paksRepush', await paks(paksHome, 'push', source, `${paksRegistry.host}/bench/paks:1`));
      process.stderr.write(`Round ${round}: Paks re-push (unchanged, no digest cache) ...\n`);
      keepBest('paksRepushNoCache', await paks(freshHome(), 'push', source, `${paksRegistry.host}/bench/paks:1`));
      process.stderr.write(`Round ${round}: Paks pull ...\n`);
      keepBest('paksPull', await paks(freshHome(), 'pull', `${paksRegistry.host}/bench/paks:1`, join(work, 'paks-out')));
      await rm(join(work, 'paks-out'), { recursive: true, force: true });
      await paksRegistry.stop();
      if (SKIP_SKOPEO) continue;

      const skopeoRegistry = await fresh();
      execFileSync('sync');
      const dest = `docker://${skopeoRegistry.host}/bench/skopeo:1`;
      process.stderr.write(`Round ${round}: skopeo push ...\n`);
      keepBest('skopeoPush', await timed('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${join(work, 'layout')}:bench`, dest]));
      if (round === 1) {
        process.stderr.write(`Round ${round}: skopeo re-push (unchanged) ...\n`);
        keepBest('skopeoRepush', await timed('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${join(work, 'layout')}:bench`, dest]));
      }
      process.stderr.write(`Round ${round}: skopeo pull ...\n`);
      keepBest('skopeoPull', await timed('skopeo', ['copy', '--quiet', '--src-tls-verify=false', dest, `oci:${join(work, 'skopeo-out')}:bench`]));
      await rm(join(work, 'skopeo-out'), { recursive: true, force: true });
      await skopeoRegistry.stop();
    }
    if (!SKIP_SPACK_IMAGES) {
      process.stderr.write(`Generating a Spack build cache of ${SPACK_SPECS} specs (${(SPACK_BYTES / MiB).toFixed(0)} MiB of tarballs before gzip) ...\n`);
      const spackCache = join(work, 'spack-cache');
      generateSpackCache(spackCache, { specs: SPACK_SPECS, totalBytes: SPACK_BYTES });
      for (let round = 1; round <= ROUNDS; round++) {
        // Alternating which goes first, as the transfer rounds do.
        for (const images of round % 2 ? [true, false] : [false, true]) {
          const registry = await fresh();
          const spackHome = join(home, `spack-${images ? 'images' : 'none'}-${round}`);
          mkdirSync(spackHome, { recursive: true });
          const flags = images ? [] : ['--no-spack-images'];
          const name = images ? 'spackImages' : 'spackNoImages';
          process.stderr.write(`Round ${round}: Paks push of the Spack cache${images ? '' : ' --no-spack-images'} ...\n`);
          keepBest(`${name}Push`, await paks(spackHome, 'push', spackCache, `${registry.host}/bench/spack:1`, ...flags));
          process.stderr.write(`Round ${round}: Paks re-push (unchanged) of the Spack cache${images ? '' : ' --no-spack-images'} ...\n`);
          keepBest(`${name}Repush`, await paks(spackHome, 'push', spackCache, `${registry.host}/bench/spack:1`, ...flags));
          await registry.stop();
        }
      }
    }
  } finally {
    for (const registry of registries) await registry.stop();
    await rm(work, { recursive: true, force: true });
  }

  const every = (key: string) => (rounds[key] ?? []).map((seconds) => seconds.toFixed(2)).join(', ');
  const row = (name: string, key: string, moved = bytes) => {
    const run = results[key];
    return run
      ? `| ${name} | ${run.seconds.toFixed(2)} s | ${mbps(moved, run.seconds).toFixed(0)} MB/s | ${mib(run.maxRssKiB).toFixed(0)} MiB | ${every(key)} |`
      : `| ${name} | n/a | | | |`;
  };
  // Each round's re-push against that round's first push; the median round is the figure.
  const share = (repush: string, push: string) => (rounds[repush] ?? []).map((seconds, i) => (100 * seconds) / rounds[push]![i]!);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const repushShares = share('paksRepush', 'paksPush');
  const medianShare = median(repushShares);
  const spackLines = SKIP_SPACK_IMAGES
    ? []
    : [
        '',
        `Spack build cache: ${SPACK_SPECS} specs, ${(SPACK_BYTES / MiB).toFixed(0)} MiB of tarballs before gzip (bench/spack-cache.ts)`,
        '',
        '| run | wall time (best) | peak RSS | every round (s) |',
        '| --- | --- | --- | --- |',
        ...(
          [
            ['Paks push, with Spack images', 'spackImagesPush'],
            ['Paks re-push, unchanged, with Spack images', 'spackImagesRepush'],
            ['Paks push, --no-spack-images', 'spackNoImagesPush'],
            ['Paks re-push, unchanged, --no-spack-images', 'spackNoImagesRepush'],
          ] as const
        ).map(([label, key]) => `| ${label} | ${results[key]!.seconds.toFixed(2)} s | ${mib(results[key]!.maxRssKiB).toFixed(0)} MiB | ${every(key)} |`),
        '',
        `Unchanged re-push / first push, median of ${ROUNDS} rounds: ${median(share('spackImagesRepush', 'spackImagesPush')).toFixed(1)}% with Spack images ` +
          `(every round: ${share('spackImagesRepush', 'spackImagesPush').map((x) => `${x.toFixed(1)}%`).join(', ')}), ` +
          `${median(share('spackNoImagesRepush', 'spackNoImagesPush')).toFixed(1)}% without (${share('spackNoImagesRepush', 'spackNoImagesPush').map((x) => `${x.toFixed(1)}%`).join(', ')}).`,
      ];
  const startVariables = NODE_START_VARIABLES.filter((name) => paksEnv()[name] !== undefined);
  const lines = [
    `Data: ${files.length} files, ${(bytes / MiB).toFixed(0)} MiB; ${skopeo}; node ${process.version}; ${execFileSync('nproc', { encoding: 'utf8' }).trim()} CPUs`,
    '',
    '| run | wall time (best) | throughput | peak RSS | every round (s) |',
    '| --- | --- | --- | --- | --- |',
    row('Paks push', 'paksPush'),
    row('skopeo push (copy oci: → docker://)', 'skopeoPush'),
    row('Paks pull', 'paksPull'),
    row('skopeo pull (copy docker:// → oci:)', 'skopeoPull'),
    row('Paks re-push, unchanged (digest cache)', 'paksRepush'),
    row('Paks re-push, unchanged (no digest cache: hashes everything)', 'paksRepushNoCache'),
    row('skopeo re-push, unchanged', 'skopeoRepush'),
    '',
    `Re-push / first push: Paks ${((100 * results.paksRepush!.seconds) / results.paksPush!.seconds).toFixed(1)}% (with the digest cache), ` +
      `${((100 * results.paksRepushNoCache!.seconds) / results.paksPush!.seconds).toFixed(1)}% (without)` +
      (results.skopeoRepush ? `; skopeo ${((100 * results.skopeoRepush.seconds) / results.skopeoPush!.seconds).toFixed(1)}%.` : '.'),
    `Unchanged re-push (digest cache), median of ${repushShares.length} rounds: ${medianShare.toFixed(1)}% of that round's first push (every round: ${repushShares.map((share) => `${share.toFixed(1)}%`).join(', ')}).`,
    `Storage: ${ON_DISK ? 'disk' : 'tmpfs (/dev/shm)'} for the data, the registry and the pulls. Best of ${ROUNDS} alternating rounds (skopeo re-push: once); peak RSS of that run.`,
    `Load average (1, 5, 15 min) at the start ${loadAtStart.map((x) => x.toFixed(2)).join(', ')}, at the end ${loadavg().map((x) => x.toFixed(2)).join(', ')}; ${new Date().toISOString()}.`,
    `Paks ran with ${startVariables.length ? startVariables.join(' and ') : `neither ${NODE_START_VARIABLES.join(' nor ')}`} set${CLEAN_NODE_ENV ? ' (--clean-node-env)' : ''}.`,
    ...spackLines,
  ];
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `oci-${new Date().toISOString().replace(/[:.]/g, '-')}.md`), `${text}\n\n${JSON.stringify(results, null, 2)}\n`);
}

/** Wall time of the whole process (start-up included), peak RSS from /usr/bin/time, and the digest Paks printed. */
function parse(run: Run & { stdout: string }): Run {
  const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(run.stdout)?.[1];
  return { seconds: run.seconds, maxRssKiB: run.maxRssKiB, ...(digest ? { digest } : {}) };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
