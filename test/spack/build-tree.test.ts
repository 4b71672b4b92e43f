// The build tree (the padded install tree of `paks build`): a build of a package repository
// that Spack's configuration does not list sees the repository in every Spack call (install,
// buildcache push: transcripts 161/161b, which the stand-in follows); `paks list` shows what
// builds installed, `paks uninstall` removes it, and a build does not reuse a spec whose recipe
// namespace is no longer configured.
import assert from 'node:assert/strict';
import { cp, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testSpack } from '../helpers/spack.js';
import { World, type Machine } from '../e2e/world.js';

describe('the build tree', () => {
  let world: World;
  let builder: Machine;
  let repo: string;

  before(async () => {
    world = await World.create();
    builder = await world.machine('builder');
    // The demo recipes stay on disk, but Spack's own configuration lists no repository.
    repo = join(builder.spackRoot, '..', 'paksdemo-repo');
    await writeFile(join(builder.spackRoot, '..', 'spack-user-config', 'repos.yaml'), testSpack.series === '1.1' ? 'repos: {}\n' : 'repos: []\n');
  });
  after(() => world.dispose());

  test('paks build ./repo pkg makes a build cache of a recipe only the repository holds', async () => {
    const cache = join(world.dir, 'cache-hello');
    const built = await builder.paks(['build', '--unsigned', '--cache-dir', cache, repo, 'hello-paks']);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.match(built.stderr + built.stdout, /Build cache for hello-paks@1\.1\.0 is in /);
    assert.ok((await readdir(cache)).length > 0, 'the cache holds what Spack pushed');
  });

  test('paks list shows what the build installed, marked as the build tree', async () => {
    const listed = await builder.paks(['list', '--json']);
    assert.equal(listed.exitCode, 0, listed.stderr);
    const hello = (JSON.parse(listed.stdout) as Array<{ name: string; namespace: string; buildTree: boolean; prefix: string }>).filter((s) => s.name === 'hello-paks');
    assert.equal(hello.length, 1);
    assert.equal(hello[0]!.buildTree, true);
    assert.equal(hello[0]!.namespace, 'paksdemo');
    assert.match(hello[0]!.prefix, /__spack_path_placeholder__/);
    const text = await builder.paks(['list']);
    assert.match(text.stdout, /^-- \S+ \/ \S+ \(build tree\) -+\n(?:\S+\n)*hello-paks@1\.1\.0$/m);
  });

  test('a build under another namespace does not reuse the stale build, and can push', async () => {
    const renamed = join(world.dir, 'communitydemo');
    await cp(repo, renamed, { recursive: true });
    await writeFile(join(renamed, 'repo.yaml'), "repo:\n  namespace: 'communitydemo'\n");
    // greet-paks needs hello-paks: Spack would reuse paksdemo's from the build tree.
    const built = await builder.paks(['build', '--unsigned', '--cache-dir', join(world.dir, 'cache-greet'), renamed, 'greet-paks']);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.match(built.stderr, /Removing hello-paks@1\.1\.0\/\w{7} from the build tree: built from recipes of paksdemo/);
    const listed = JSON.parse((await builder.paks(['list', '--json'])).stdout) as Array<{ name: string; namespace: string; buildTree: boolean }>;
    assert.deepEqual(listed.filter((s) => s.buildTree && s.name.endsWith('-paks')).map((s) => `${s.namespace}.${s.name}`).sort(), ['communitydemo.greet-paks', 'communitydemo.hello-paks']);
  });

  test('paks uninstall removes specs from the build tree', async () => {
    const removed = await builder.paks(['uninstall', '--yes', '--dependents', 'hello-paks']);
    assert.equal(removed.exitCode, 0, removed.stderr);
    assert.match(removed.stdout, /^Uninstalled greet-paks@1\.0\.0/m);
    const listed = JSON.parse((await builder.paks(['list', '--json'])).stdout) as Array<{ name: string }>;
    assert.deepEqual(listed.filter((s) => s.name.endsWith('-paks')), []);
  });
});
