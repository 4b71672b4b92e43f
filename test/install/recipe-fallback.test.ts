import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { exec, World, type Machine } from '../e2e/world.js';
import { testSpack } from '../helpers/spack.js';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { readTarEntries } from '../../src/buildcache/tar-entries.js';
import { extractRecipes, unpackRecipes } from '../../src/install/recipes.js';
import { PaksError } from '../../src/errors.js';

// The publisher builds for x86_64_v3; the user's CPU (nehalem) runs only x86_64_v2 code, and
// the user's Spack has no recipe of greet-paks or hello-paks (no paksdemo repository).
const USER_ARCH = 'linux-debian12-nehalem';

test('recipes are unpacked only inside their folder: a name with .. is refused, links are not followed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'paks-recipes-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repos = join(dir, 'src', 'x', '.spack', 'repos', 'ns');
  await mkdir(join(repos, 'packages', 'a'), { recursive: true });
  await writeFile(join(repos, 'repo.yaml'), "repo:\n  namespace: 'ns'\n");
  await writeFile(join(repos, 'packages', 'a', 'package.py'), 'class A: pass\n');
  await symlink('/etc', join(repos, 'packages', 'etc'));
  const good = join(dir, 'good.tgz');
  await exec('tar', ['-czf', good, '-C', join(dir, 'src'), 'x']);
  await unpackRecipes(good, join(dir, 'out'), 'a');
  assert.equal(await readFile(join(dir, 'out', 'ns', 'packages', 'a', 'package.py'), 'utf8'), 'class A: pass\n');
  await assert.rejects(lstat(join(dir, 'out', 'ns', 'packages', 'etc')), /ENOENT/);
  const bad = join(dir, 'bad.tgz');
  await exec('tar', ['-czf', bad, '--transform', 's,^x/.spack/repos/ns/repo.yaml,x/.spack/repos/../../evil.txt,', '-C', join(dir, 'src'), 'x']);
  await assert.rejects(unpackRecipes(bad, join(dir, 'out-bad'), 'a'), (e: PaksError) => e.kind === 'integrity' && /"\.\.\/\.\.\/evil\.txt" that would leave its folder/.test(e.message));
  await assert.rejects(lstat(join(dir, 'evil.txt')), /ENOENT/);
});

describe('no binary fits: a source build with the recipe of the verified artifact', () => {
  let world: World;
  let registry: TestRegistry;
  let publisher: Machine;
  let publicKey: string;
  let signedCache: string;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    publisher = await world.machine('publisher');
    assert.equal((await publisher.paks(['key', 'create'])).exitCode, 0);
    publicKey = join(world.dir, 'publisher.asc');
    assert.equal((await publisher.paks(['key', 'export', publicKey])).exitCode, 0);
    signedCache = join(world.dir, 'signed');
    const built = await publisher.paks(['build', 'greet-paks', '--target', 'x86_64_v3', '--cache-dir', signedCache, '--no-cleanup', '--push', `${registry.host}/paks/greet-paks`]);
    assert.equal(built.exitCode, 0, built.stderr);
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  async function user(name: string): Promise<Machine> {
    const machine = await world.machine(name, { arch: USER_ARCH, repos: [] });
    assert.equal((await machine.paks(['key', 'trust', publicKey])).exitCode, 0);
    return machine;
  }

  test('the tarball carries the recipes of the DAG under .spack/repos, as real Spack writes them', async () => {
    const cache = await readBuildCache(signedCache);
    const root = cache.specs.find((s) => s.name === 'greet-paks')!;
    const names = (await readTarEntries(join(signedCache, root.tarball), (name) => name.includes('/.spack/repos/'))).map((e) => e.name.slice(e.name.indexOf('/.spack/repos/') + '/.spack/repos/'.length)).sort();
    // Transcript 27 of each recording: 0.23 also carries builtin's gcc-runtime; 1.1 only the paksdemo recipes.
    const expected = ['', 'paksdemo/', 'paksdemo/packages/', 'paksdemo/packages/greet-paks/', 'paksdemo/packages/greet-paks/package.py', 'paksdemo/packages/hello-paks/', 'paksdemo/packages/hello-paks/package.py', 'paksdemo/repo.yaml'];
    const builtin = ['builtin/', 'builtin/packages/', 'builtin/packages/gcc-runtime/', 'builtin/packages/gcc-runtime/package.py', 'builtin/repo.yaml'];
    assert.deepEqual(names, (testSpack.series === '0.23' ? [...builtin, ...expected] : expected).sort());
    // Extracted: the paksdemo repository only (builtin is the user's Spack's own).
    const into = await mkdtemp(join(world.dir, 'recipes-'));
    const repositories = await extractRecipes(cache, root, join(into, 'r'));
    assert.deepEqual(repositories, [join(into, 'r', 'paksdemo')]);
    assert.match(await readFile(join(into, 'r', 'paksdemo', 'packages', 'greet-paks', 'package.py'), 'utf8'), /class GreetPaks/);
  });

  test('paks install builds greet-paks from source with the artifact\'s recipe when no binary fits', async () => {
    const machine = await user('user');
    // Without Paks' fallback the user's Spack does not know the package.
    const plain = await machine.paks(['install', 'greet-paks', '--no-cache']);
    assert.notEqual(plain.exitCode, 0);
    assert.match(plain.stderr, new RegExp(testSpack.unknownPackage('greet-paks').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    const result = await machine.paks(['install', '--json', 'greet-paks', '--registry', `${registry.host}/paks`]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /no binary of greet-paks fits this machine \(glibc [0-9.]+, nehalem\)/);
    assert.match(result.stderr, /Building greet-paks from source with the recipe of 127\.0\.0\.1:\d+\/paks\/greet-paks@sha256:[0-9a-f]{64} \(signature verified\)/);
    const [root] = JSON.parse(result.stdout);
    assert.equal(root.origin.kind, 'source');
    assert.match(root.prefix, /nehalem/);
  });

  test('an unsigned artifact\'s recipe is refused without --no-verify, and used with it', async () => {
    const built = await publisher.paks(['build', 'greet-paks', '--target', 'x86_64_v3', '--unsigned', '--push', `${registry.host}/unsigned/greet-paks`]);
    assert.equal(built.exitCode, 0, built.stderr);
    const machine = await user('user-unsigned');
    const refused = await machine.paks(['install', 'greet-paks', '--registry', `${registry.host}/unsigned`]);
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /Refusing the recipe of greet-paks from .*unsigned\/greet-paks:latest: .*not signed/);
    assert.doesNotMatch(refused.stderr, /Executing phase/);
    const listed = JSON.parse((await machine.paks(['list', '--json'])).stdout) as Array<{ name: string }>;
    assert.ok(!listed.some((s) => s.name === 'greet-paks'));
    const accepted = await machine.paks(['install', 'greet-paks', '--registry', `${registry.host}/unsigned`, '--no-verify']);
    assert.equal(accepted.exitCode, 0, accepted.stderr);
    assert.match(accepted.stderr, /with the recipe of .* \(unsigned\)/);
  });

  test('a tarball that does not match its signed spec is refused before anything is extracted', async () => {
    const cache = await readBuildCache(signedCache);
    const root = cache.specs.find((s) => s.name === 'greet-paks')!;
    // A tarball whose recipe does something else: same place, other bytes.
    const evil = join(world.dir, 'evil');
    const recipe = join(evil, 'x', '.spack', 'repos', 'paksdemo', 'packages', 'greet-paks');
    await mkdir(recipe, { recursive: true });
    await writeFile(join(recipe, 'package.py'), 'raise SystemExit("tampered")\n');
    await writeFile(join(evil, 'x', '.spack', 'repos', 'paksdemo', 'repo.yaml'), "repo:\n  namespace: 'paksdemo'\n");
    await rm(join(signedCache, root.tarball));
    await exec('tar', ['-czf', join(signedCache, root.tarball), '-C', evil, 'x']);
    const pushed = await publisher.paks(['push', signedCache, `${registry.host}/tampered/greet-paks:latest`]);
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    const machine = await user('user-tampered');
    const refused = await machine.paks(['install', 'greet-paks', '--registry', `${registry.host}/tampered`]);
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /Refusing the recipe of greet-paks from .*tampered\/greet-paks:latest: .*(checksum|sha256)/i);
    assert.doesNotMatch(refused.stderr, /tampered"\)|Executing phase/);
  });
});
