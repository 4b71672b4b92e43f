/**
 * How many specs Spack builds from source in a community repository's CI, run after run
 * (issue 23: dependencies come from binaries). With the Spack stand-in (PAKS_TEST_SPACK=0.23
 * or 1.1 picks the release), a TLS registry on loopback and fresh runners:
 *   node --import tsx bench/ci-dependencies.ts
 * For each run: a fresh runner builds the repository's packages as the build job does
 * (`paks repo build --build-cache --unsigned --output --dependency-output`), then the publish
 * step signs and pushes the packages and the kept dependencies. Also, for contrast, a run
 * without the build cache. Prints a table and writes it to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry } from '../test/helpers/registry.js';
import { testSpack } from '../test/helpers/spack.js';
import { World, type Machine } from '../test/e2e/world.js';

interface BuildJson {
  packages: Array<{ name: string; fromSource?: string[]; fromBuildCache?: string[]; cache?: { dir: string } }>;
  dependencies?: { dir: string; digest: string; specs: string[] };
}

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['hello-paks', 'greet-paks'];

function check(result: { exitCode: number; stderr: string }, what: string): void {
  if (result.exitCode !== 0) throw new Error(`${what} failed:\n${result.stderr}`);
}

async function main(): Promise<void> {
  const world = await World.create();
  const registry = await startRegistry({ kind: 'none' }, { tls: true });
  const ca = { NODE_EXTRA_CA_CERTS: registry.certPath! };
  const rows: string[] = [];
  try {
    const maintainer = await world.machine('maintainer');
    check(await maintainer.paks(['key', 'create']), 'paks key create');
    const repo = join(world.dir, 'community');
    check(await maintainer.paks(['repo', 'init', repo, '--registry', `${registry.host}/community`, '--platform', 'ubuntu-24.04']), 'paks repo init');
    await mkdir(join(repo, 'keys'));
    check(await maintainer.paks(['key', 'export', join(repo, 'keys', 'publisher.asc')]), 'paks key export');
    for (const name of PACKAGES) check(await maintainer.paks(['repo', 'add', name, '--from-spack', '--repo', repo]), `paks repo add ${name}`);

    let runners = 0;
    const runner = async (): Promise<Machine> => {
      const machine = await world.machine(`runner-${++runners}`);
      // Spack trusts the registry's certificate (config:ssl_certs), as it would a public one.
      await writeFile(join(machine.spackRoot, 'etc', 'spack', 'config.yaml'), `config:\n  ssl_certs: ${registry.certPath}\n`);
      // The workflow's "Trust the publisher key" step: repository packages come from the registry.
      check(await machine.paks(['key', 'trust', join(repo, 'keys', 'publisher.asc')]), 'paks key trust');
      return machine;
    };

    /** One CI run: each package on a fresh runner (its own job), then the publish step. */
    const run = async (label: string, options: { buildCache: boolean; publish: boolean }) => {
      const started = Date.now();
      let source = 0;
      let binaries = 0;
      const built: string[] = [];
      for (const name of PACKAGES) {
        const job = await runner();
        const out = join(job.home, 'out');
        const deps = join(job.home, 'deps');
        const args = ['repo', 'build', name, '--unsigned', '--output', out, '--json', '--repo', repo, ...(options.buildCache ? ['--build-cache', '--dependency-output', deps] : [])];
        const result = await job.paks(args, ca);
        check(result, `paks repo build ${name}`);
        const report = JSON.parse(result.stdout) as BuildJson;
        for (const pkg of report.packages) {
          source += pkg.fromSource?.length ?? 0;
          binaries += pkg.fromBuildCache?.length ?? 0;
          built.push(...(pkg.fromSource ?? []).map((s) => s.slice(0, s.indexOf('@'))));
        }
        if (options.publish) {
          for (const dir of [...report.packages.flatMap((p) => (p.cache ? [p.cache.dir] : [])), ...(report.dependencies ? [report.dependencies.dir] : [])]) {
            check(await maintainer.paks(['sign', dir]), `paks sign ${dir}`);
          }
          check(await maintainer.paks(['repo', 'publish', out, '--repo', repo], ca), 'paks repo publish');
          if (report.dependencies) check(await maintainer.paks(['repo', 'publish', report.dependencies.dir, '--build-cache', '--repo', repo], ca), 'paks repo publish --build-cache');
        }
      }
      rows.push(`| ${label} | ${source} | ${binaries} | ${built.join(', ')} | ${((Date.now() - started) / 1000).toFixed(1)} s |`);
      process.stderr.write(`${rows.at(-1)}\n`);
    };

    await run('1st run, fresh registry', { buildCache: true, publish: true });
    await run('2nd run, same recipes (every job on a fresh runner)', { buildCache: true, publish: false });
    await run('2nd run without --build-cache, for contrast', { buildCache: false, publish: false });
  } finally {
    await registry.stop();
    await world.dispose();
  }
  const table = [
    `Spack ${testSpack.version} (stand-in), packages ${PACKAGES.join(' and ')} (greet-paks depends on hello-paks), one job each; ${new Date().toISOString()}`,
    '',
    '| run | specs built from source | specs from build caches | built from source | wall |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `ci-dependencies-${testSpack.version}-${new Date().toISOString().replace(/[:.]/g, '-')}.md`), `${table}\n`);
}

await main();
