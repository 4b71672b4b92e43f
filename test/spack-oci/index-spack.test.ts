// index.spack read early in a push (beside its other requests) and written at its end: an
// index that already lists our specs is left alone, and one moved in between is merged again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Repository } from '../../src/oci/client.js';
import { readSpackIndex, updateSpackIndex, type SpackDatabase } from '../../src/spack-oci/index-spack.js';
import { spackJson } from '../../src/spack-oci/image.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { testClient } from '../oci/support.js';

let registry: TestRegistry;
before(async () => {
  registry = await startRegistry();
});
after(async () => {
  await registry.stop();
});

const repo = (name: string): Repository => ({ registry: registry.host, repository: `paks/${name}` });
const hashOf = (letter: string) => letter.repeat(32);
/** A Spack database (build cache index) of the named specs, each in the build cache. */
const database = (...names: string[]): Buffer =>
  spackJson({
    database: { version: '7', installs: Object.fromEntries(names.map((name) => [hashOf(name[0]!), { spec: { name, hash: hashOf(name[0]!) }, ref_count: 0, in_buildcache: true }])) },
  } satisfies SpackDatabase);
const listed = async (client: ReturnType<typeof testClient>, where: Repository) =>
  Object.values((await readSpackIndex(client, where))!.db.database.installs)
    .map((record) => record.spec.name)
    .sort();

describe('index.spack, read early and written last', () => {
  it('reads nothing when there is no index, writes ours, and leaves it alone when it already lists our specs', async () => {
    const client = testClient();
    const where = repo('early');
    assert.equal(await readSpackIndex(client, where), undefined);
    const written = await updateSpackIndex(client, where, database('zlib'), undefined, readSpackIndex(client, where));
    assert.equal(written.changed, true);
    const again = await updateSpackIndex(client, where, database('zlib'), undefined, readSpackIndex(client, where));
    assert.deepEqual(again, { digest: written.digest, changed: false, specs: 1 });
    await client.close();
  });

  it('merges again when another push moved the tag after this one read it', async () => {
    const client = testClient();
    const where = repo('raced');
    await updateSpackIndex(client, where, database('zlib'), undefined);
    // This push reads the index early; another one adds bzip2 before this one writes.
    const early = readSpackIndex(client, where);
    await early;
    await updateSpackIndex(client, where, database('bzip2'), undefined);
    const ours = await updateSpackIndex(client, where, database('xz'), undefined, early);
    assert.equal(ours.changed, true);
    assert.deepEqual(await listed(client, where), ['bzip2', 'xz', 'zlib'], 'what the other push added is kept');
    await client.close();
  });

  it('reads again at the end when the early read failed', async () => {
    const client = testClient();
    const where = repo('retried');
    await updateSpackIndex(client, where, database('zlib'), undefined);
    const failed = Promise.reject(new Error('the network was down'));
    failed.catch(() => {});
    const result = await updateSpackIndex(client, where, database('zlib'), undefined, failed);
    assert.equal(result.changed, false);
    await client.close();
  });
});
