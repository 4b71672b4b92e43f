// `paks build` of a package repository that Spack's configuration does not list: every Spack
// call of the build (install, buildcache push, ...) sees the repository, as real Spack needs
// to push (transcripts 161/161b, which the stand-in follows).
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
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
});
