import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ManifestFacts } from '../../src/api/binaries.js';
import { loadManifestFactsCache } from '../../src/api/cache.js';
import { createBlobStore } from '../../src/api/sboms.js';
import { sha256Of } from '../../src/oci/digest.js';
import { temporaryDirectory } from '../helpers/cli.js';

const facts = (n: number): ManifestFacts => ({ annotations: { 'dev.paks.spack.target': 'icelake' }, size: n, root: { hash: 'a'.repeat(32), signed: true, sbom: {} } });

test('manifest facts survive a run, and only those a run used are kept', async (t) => {
  const dir = await temporaryDirectory(t);
  const path = join(dir, 'manifests.json');
  const first = await loadManifestFactsCache(path);
  first.cache.set('r/a:1@sha256:1', Promise.resolve(facts(1)));
  first.cache.set('r/b:1@sha256:2', Promise.resolve(facts(2)));
  first.cache.set('r/c:1@sha256:3', Promise.reject(new Error('registry down')));
  await first.save();
  const second = await loadManifestFactsCache(path);
  assert.deepEqual([...second.cache.keys()].sort(), ['r/a:1@sha256:1', 'r/b:1@sha256:2'], 'failures are not remembered');
  assert.deepEqual(await second.cache.get('r/a:1@sha256:1'), facts(1));
  await second.save();
  const third = await loadManifestFactsCache(path);
  assert.deepEqual([...third.cache.keys()], ['r/a:1@sha256:1'], 'b was not used by the second run');
  await writeFile(path, '{"version": 1, "entries": {"x": {"size": "big"}}}');
  assert.equal((await loadManifestFactsCache(path)).cache.size, 0, 'malformed entries are ignored');
});

test('SBOM copies are kept by digest and a damaged copy is never served', async (t) => {
  const dir = await temporaryDirectory(t);
  const bytes = Buffer.from('{"bomFormat":"CycloneDX"}');
  const digest = sha256Of(bytes);
  await createBlobStore(dir).set(digest, bytes);
  assert.deepEqual(await createBlobStore(dir).get(digest), bytes);
  await writeFile(join(dir, digest.replace(':', '-')), 'tampered');
  assert.equal(await createBlobStore(dir).get(digest), undefined);
});
