import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { World, type Machine } from '../e2e/world.js';
import { runSpack, testSpack } from '../helpers/spack.js';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { buildTargetFor, buildTargetsFor, describeTarget, targetProblem, targetScope } from '../../src/build/target.js';
import { TemporaryScope } from '../../src/spack/scope.js';
import { parseRepoConfig } from '../../src/repo/config.js';

const HOST = testSpack.arch.split('-');
const host = { platform: HOST[0]!, os: HOST[1]!, target: testSpack.target };
// The tests of this file run without the test harness' `build_target: host`.
const PORTABLE = { PAKS_BUILD_TARGET: undefined };

/** Every node of every spec in a build cache, with its target. */
async function targetsIn(dir: string): Promise<Map<string, string>> {
  const cache = await readBuildCache(dir);
  const targets = new Map<string, string>();
  for (const spec of cache.specs) {
    for (const node of spec.document.spec.nodes) {
      if (node.external) continue;
      const target = node.arch.target;
      targets.set(node.name, typeof target === 'string' ? target : target.name);
    }
  }
  return targets;
}

test('build targets: auto is x86_64_v2 on x86_64 and aarch64 on Arm; a host that cannot run the family is refused', () => {
  assert.equal(buildTargetFor('auto', host), 'x86_64_v2');
  assert.equal(buildTargetFor('auto', { ...host, target: 'neoverse_n1' }), 'aarch64');
  assert.equal(buildTargetFor('host', host), undefined);
  assert.equal(buildTargetFor('x86_64_v3', host), 'x86_64_v3');
  assert.throws(() => buildTargetFor('x86_64_v4', { ...host, target: 'haswell' }), /Cannot build for x86_64_v4 on this machine \(haswell\): it cannot run x86_64_v4 code/);
  assert.throws(() => buildTargetFor('aarch64', host), /cannot run aarch64 code/);
  assert.match(targetProblem('haswell')!, /a microarchitecture, not a target family; its families are x86_64_v3, x86_64_v2/);
  assert.match(targetProblem('x86_64_v9')!, /not a target family Spack knows/);
  // paks.yaml may list every platform's families: a job builds its own family's.
  assert.deepEqual(buildTargetsFor(['x86_64_v2', 'x86_64_v3', 'aarch64'], 'auto', host), ['x86_64_v2', 'x86_64_v3']);
  assert.deepEqual(buildTargetsFor(['aarch64'], 'auto', host), ['x86_64_v2']);
  assert.deepEqual(buildTargetsFor(undefined, 'host', host), [undefined]);
  assert.equal(describeTarget('x86_64_v2'), 'x86_64_v2 or newer');
  assert.deepEqual(targetScope('x86_64_v2'), { packages: { all: { require: ['target=x86_64_v2'] } }, concretizer: { targets: { granularity: 'generic' } } });
});

test('paks.yaml targets: a list of families, repository-wide and per package; a microarchitecture is refused', () => {
  const config = parseRepoConfig('registry: ghcr.io/org/pkgs\ntargets: [x86_64_v2, x86_64_v3]\npackages:\n  a:\n    targets: [x86_64_v3]\n', 'paks.yaml');
  assert.deepEqual(config.targets, ['x86_64_v2', 'x86_64_v3']);
  assert.deepEqual(config.packages.a?.targets, ['x86_64_v3']);
  assert.throws(() => parseRepoConfig('registry: ghcr.io/org/pkgs\ntargets: [icelake]\n', 'paks.yaml'), /paks\.yaml line 2: targets\.0 must be a target family such as x86_64_v2/);
});

describe('portable builds through the temporary Spack scope', () => {
  let world: World;
  let registry: TestRegistry;
  let builder: Machine;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    builder = await world.machine('builder');
    const created = await builder.paks(['key', 'create']);
    assert.equal(created.exitCode, 0, created.stderr);
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  test('the stand-in, like Spack, builds every node for a required family and refuses one the host cannot run', async () => {
    const spec = async (family: string, arch = testSpack.arch) => {
      const scope = await TemporaryScope.create(targetScope(family));
      try {
        const sr = { root: builder.spackRoot, bin: join(builder.spackRoot, 'bin', 'spack'), env: builder.env, userConfig: '', paksdemoRepo: null };
        return runSpack(sr, ['-C', scope.dir, 'spec', 'greet-paks'], { SPACK_STANDIN_ARCH: arch });
      } finally {
        await scope.remove();
      }
    };
    const v3 = await spec('x86_64_v3');
    assert.equal(v3.code, 0, v3.stderr);
    assert.match(v3.stdout, /greet-paks@1\.0\.0.* (arch=linux-debian12-|target=)x86_64_v3\b/);
    assert.doesNotMatch(v3.stdout, new RegExp(`-${testSpack.target}\\b`));
    assert.equal((await spec('x86_64_v3', 'linux-debian12-haswell')).code, 0);
    const refused = await spec('x86_64_v4', 'linux-debian12-haswell');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Cannot satisfy 'greet-paks target=x86_64_v4'/);
  });

  test('paks build builds for x86_64_v2 by default, dependencies included, and says so', async () => {
    const dir = join(world.dir, 'cache-default');
    const built = await builder.paks(['build', 'greet-paks', '--cache-dir', dir, '--unsigned'], PORTABLE);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.match(built.stderr, /Build cache for greet-paks@1\.0\.0 \(x86_64_v2 or newer\)/);
    const targets = await targetsIn(dir);
    // Spack 1.x specs also name the build-only compiler-wrapper.
    assert.deepEqual([...targets.keys()].filter((n) => n !== 'compiler-wrapper').sort(), ['gcc-runtime', 'greet-paks', 'hello-paks']);
    for (const [name, target] of targets) assert.equal(target, 'x86_64_v2', name);
  });

  test('--target builds for another family; one the host cannot run is refused before Spack runs', async () => {
    const dir = join(world.dir, 'cache-v3');
    const built = await builder.paks(['build', 'hello-paks', '--cache-dir', dir, '--unsigned', '--target', 'x86_64_v3'], PORTABLE);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.deepEqual([...(await targetsIn(dir)).values()].filter((t) => t !== 'x86_64_v3'), []);
    const old = await world.machine('old', { arch: 'linux-debian12-haswell' });
    const refused = await old.paks(['build', 'hello-paks', '--unsigned', '--target', 'x86_64_v4'], PORTABLE);
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr, /^Error: Cannot build for x86_64_v4 on this machine \(haswell\): it cannot run x86_64_v4 code/);
    const micro = await builder.paks(['build', 'hello-paks', '--unsigned', '--target', 'icelake'], PORTABLE);
    assert.equal(micro.exitCode, 2);
    assert.match(micro.stderr, /"icelake" is a microarchitecture, not a target family/);
  });

  test('paks repo build with targets [x86_64_v2, x86_64_v3] builds and pushes one artifact per family', async () => {
    const repo = join(world.dir, 'community');
    const init = await builder.paks(['repo', 'init', repo, '--registry', `${registry.host}/community`, '--platform', 'ubuntu-24.04']);
    assert.equal(init.exitCode, 0, init.stderr);
    await mkdir(join(repo, 'keys'), { recursive: true });
    assert.equal((await builder.paks(['key', 'export', join(repo, 'keys', 'publisher.asc')])).exitCode, 0);
    const added = await builder.paks(['repo', 'add', 'hello-paks', '--from-spack', '--repo', repo]);
    assert.equal(added.exitCode, 0, added.stderr);
    await writeFile(join(repo, 'paks.yaml'), `${await readFile(join(repo, 'paks.yaml'), 'utf8')}\ntargets: [x86_64_v2, x86_64_v3, aarch64]\n`);
    const built = await builder.paks(['repo', 'build', 'hello-paks', '--push', '--tests', 'none', '--repo', repo, '--json'], PORTABLE);
    assert.equal(built.exitCode, 0, built.stderr);
    const report = JSON.parse(built.stdout) as { packages: Array<{ name: string; target: string; status: string; hash: string }> };
    assert.deepEqual(report.packages.map((p) => [p.name, p.target, p.status]), [['hello-paks', 'x86_64_v2', 'built'], ['hello-paks', 'x86_64_v3', 'built']]);
    assert.notEqual(report.packages[0]!.hash, report.packages[1]!.hash);
    const index = (await (await fetch(`${registry.url}/v2/community/hello-paks/manifests/1.1.0`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } })).json()) as { manifests: Array<{ platform: { architecture: string }; annotations: Record<string, string> }> };
    assert.deepEqual(index.manifests.map((m) => [m.platform.architecture, m.annotations['dev.paks.spack.target']]).sort(), [['amd64', 'x86_64_v2'], ['amd64', 'x86_64_v3']]);
  });
});
