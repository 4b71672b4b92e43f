// The repository's Spack build cache of dependencies (issue 23, item 4): a first CI build
// builds everything from source and keeps what is not a package of the repository; the
// publish step signs it and pushes it as Spack-native images; a second build on a fresh runner
// then builds only the repository's package. Counted from what Spack printed in each run.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startSilentServer } from '../helpers/silent-server.js';
import { World, type Machine } from './world.js';

interface BuildJson {
  ok: boolean;
  packages: Array<{ name: string; status: string; fromSource?: string[]; fromBuildCache?: string[] }>;
  dependencies?: { dir: string; digest: string; specs: string[] };
}

const names = (specs: readonly string[] | undefined) => (specs ?? []).map((s) => s.slice(0, s.indexOf('@'))).sort();

describe("the repository's build cache: the second run builds only the repository's packages", () => {
  let world: World;
  let registry: TestRegistry;
  let maintainer: Machine;
  let repo: string;
  let ca: Record<string, string>;

  /** A fresh CI runner: its own HOME and Spack, which trusts the registry's certificate as Spack does (config:ssl_certs). */
  async function runner(name: string): Promise<Machine> {
    const machine = await world.machine(name);
    await writeFile(join(machine.spackRoot, 'etc', 'spack', 'config.yaml'), `config:\n  ssl_certs: ${registry.certPath}\n`);
    return machine;
  }
  async function ciBuild(machine: Machine): Promise<{ report: BuildJson; stderr: string }> {
    const out = join(machine.home, 'out');
    const deps = join(machine.home, 'deps');
    const built = await machine.paks(['repo', 'build', 'hello-paks', '--build-cache', '--unsigned', '--output', out, '--dependency-output', deps, '--json', '--repo', repo], ca);
    assert.equal(built.exitCode, 0, built.stderr);
    return { report: JSON.parse(built.stdout) as BuildJson, stderr: built.stderr };
  }

  before(async () => {
    world = await World.create();
    // Spack reads OCI build caches over HTTPS only.
    registry = await startRegistry({ kind: 'none' }, { tls: true });
    ca = { NODE_EXTRA_CA_CERTS: registry.certPath! };
    maintainer = await world.machine('maintainer');
    assert.equal((await maintainer.paks(['key', 'create'])).exitCode, 0);
    repo = join(world.dir, 'community');
    const init = await maintainer.paks(['repo', 'init', repo, '--registry', `${registry.host}/community`, '--platform', 'ubuntu-24.04']);
    assert.equal(init.exitCode, 0, init.stderr);
    await mkdir(join(repo, 'keys'));
    assert.equal((await maintainer.paks(['key', 'export', join(repo, 'keys', 'publisher.asc')])).exitCode, 0);
    const added = await maintainer.paks(['repo', 'add', 'hello-paks', '--from-spack', '--repo', repo]);
    assert.equal(added.exitCode, 0, added.stderr);
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  test('first run: Spack builds the dependencies too, and they are kept apart from the package', async () => {
    const first = await runner('ci-1');
    const { report, stderr } = await ciBuild(first);
    assert.match(stderr, /The build cache 127\.0\.0\.1:\d+\/community\/spack-buildcache holds nothing yet: Spack builds the dependencies from source\./);
    const [hello] = report.packages;
    assert.equal(hello!.status, 'built');
    const dependencies = names(hello!.fromSource).filter((n) => n !== 'hello-paks');
    assert.ok(dependencies.includes('gcc-runtime'), JSON.stringify(hello));
    assert.deepEqual(names(hello!.fromSource), [...dependencies, 'hello-paks'].sort());
    assert.deepEqual(names(hello!.fromBuildCache), []);
    // Everything Spack built from source but the package itself, as one unsigned cache.
    assert.deepEqual(names(report.dependencies?.specs), dependencies);

    // The publish job: checks the digest the build job reported, signs, pushes to the build cache.
    const signed = await maintainer.paks(['sign', report.dependencies!.dir, '--expect-digest', report.dependencies!.digest]);
    assert.equal(signed.exitCode, 0, signed.stderr);
    const published = await maintainer.paks(['repo', 'publish', report.dependencies!.dir, '--build-cache', '--repo', repo], ca);
    assert.equal(published.exitCode, 0, published.stderr);
    assert.match(published.stdout, /gcc-runtime@[^:]*: pushed 127\.0\.0\.1:\d+\/community\/spack-buildcache:dependencies@sha256:/);
    const tags = await readdir(join(registry.storage, 'docker', 'registry', 'v2', 'repositories', 'community', 'spack-buildcache', '_manifests', 'tags'));
    assert.ok(tags.includes('index.spack'), tags.join(' '));
    assert.ok(tags.some((t) => /^gcc-runtime-.*\.spack$/.test(t)), tags.join(' '));
  });

  test('second run on a fresh runner: only the repository package is built from source', async () => {
    const second = await runner('ci-2');
    const { report, stderr } = await ciBuild(second);
    assert.match(stderr, /Dependencies come from the build cache 127\.0\.0\.1:\d+\/community\/spack-buildcache when it holds them/);
    const [hello] = report.packages;
    assert.equal(hello!.status, 'built');
    assert.deepEqual(names(hello!.fromSource), ['hello-paks']);
    assert.ok(names(hello!.fromBuildCache).includes('gcc-runtime'), JSON.stringify(hello));
    assert.equal(report.dependencies, undefined, 'nothing new to keep');
  });

  /** `paks repo build hello-paks --build-cache` on a fresh machine, with paks.yaml's build_cache at `host` for that run only. */
  async function buildWithCacheAt(host: string, machineName: string, env: Record<string, string> = {}) {
    const config = join(repo, 'paks.yaml');
    const before = await readFile(config, 'utf8');
    try {
      await writeFile(config, `${before}build_cache: ${host}/community/spack-buildcache\n`);
      const machine = await world.machine(machineName);
      const built = await machine.paks(['repo', 'build', 'hello-paks', '--build-cache', '--json', '--repo', repo], env);
      assert.equal(built.exitCode, 0, built.stderr);
      return built;
    } finally {
      await writeFile(config, before);
    }
  }

  test('a build cache on a registry that never answers costs one bounded look-up (registry_lookup_timeout), then Spack builds', async () => {
    const silent = await startSilentServer();
    try {
      const built = await buildWithCacheAt(silent.host, 'ci-silent', { PAKS_REGISTRY_TIMEOUT: '0.3', PAKS_REGISTRY_LOOKUP_TIMEOUT: '1' });
      assert.match(built.stderr, /Spack cannot read the build cache 127\.0\.0\.1:\d+\/community\/spack-buildcache over HTTPS \(.*(does not answer|no answer within 1 s).*\): it builds the dependencies from source\./);
    } finally {
      await silent.stop();
    }
  });

  test('a build cache Spack cannot read over HTTPS: one line, and the build goes on from source', async () => {
    const plain = await startRegistry();
    try {
      const built = await buildWithCacheAt(plain.host, 'ci-plain');
      assert.match(built.stderr, /Spack cannot read the build cache 127\.0\.0\.1:\d+\/community\/spack-buildcache over HTTPS \(.+\): it builds the dependencies from source\./);
      assert.ok(names((JSON.parse(built.stdout) as BuildJson).packages[0]!.fromSource).includes('gcc-runtime'));
    } finally {
      await plain.stop();
    }
  });
});
