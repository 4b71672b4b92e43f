/**
 * Install benchmark: the same spec installed from a verified registry binary versus built
 * from source, on a clean Spack store each time.
 *   node --import tsx bench/install.ts [--runs 3] [--spec greet-paks]
 * By default Spack is the test stand-in, whose "source builds" compile nothing, so the
 * figures measure Paks' own overhead (lookup, pull, digest and signature checks, Spack's
 * extraction). With PAKS_BENCH_SPACK_ROOT pointing at a real Spack checkout (with the
 * package's sources reachable), the source side is a real build.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRegistry } from '../test/helpers/registry.js';
import { World, type Machine } from '../test/e2e/world.js';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1]! : fallback;
};
const runs = Number(arg('runs', '3'));
const spec = arg('spec', 'greet-paks');
const realSpack = process.env.PAKS_BENCH_SPACK_ROOT;

async function timed(machine: Machine, args: string[]): Promise<number> {
  const started = performance.now();
  const result = await machine.paks(args, realSpack ? { SPACK_ROOT: realSpack } : {});
  if (result.exitCode !== 0) throw new Error(`paks ${args.join(' ')} failed:\n${result.stderr}`);
  return (performance.now() - started) / 1000;
}

async function cleanStore(machine: Machine): Promise<void> {
  if (realSpack) {
    await machine.paks(['uninstall', '--yes', '--all', '--dependents', spec], { SPACK_ROOT: realSpack });
    return;
  }
  // The stand-in keeps its store under opt/spack of its root: start each run from nothing.
  const store = join(machine.spackRoot, 'opt', 'spack');
  await rm(join(store, 'linux-debian12-icelake'), { recursive: true, force: true });
  await rm(join(store, '.spack-db'), { recursive: true, force: true });
}

const world = await World.create();
const registry = await startRegistry();
try {
  const builder = await world.machine('builder');
  await builder.paks(['key', 'create']);
  const key = join(world.dir, 'key.asc');
  await builder.paks(['key', 'export', key]);
  await timed(builder, ['build', spec, '--push', `${registry.host}/bench/${spec}`]);
  const user = await world.machine('user', { registries: [`${registry.host}/bench`] });
  await user.paks(['key', 'trust', key]);
  const binary: number[] = [];
  const source: number[] = [];
  for (let i = 0; i < runs; i++) {
    await cleanStore(user);
    binary.push(await timed(user, ['install', spec]));
    await cleanStore(user);
    source.push(await timed(user, ['install', '--no-cache', spec]));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`spec: ${spec}; Spack: ${realSpack ?? 'test stand-in (no compilation)'}; runs: ${runs}`);
  console.log(`install from verified registry binary: median ${median(binary).toFixed(2)} s  (${binary.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`install from source:                   median ${median(source).toFixed(2)} s  (${source.map((x) => x.toFixed(2)).join(', ')})`);
} finally {
  await registry.stop();
  await world.dispose();
}
