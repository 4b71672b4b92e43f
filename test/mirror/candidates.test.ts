/** The pure step: which of an index's specs are worth fetching for this request and host, best first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompactIndexBuilder, candidatesFromIndex } from '../../src/mirror/candidates.js';
import { parseSpecRequest } from '../../src/spec/parse.js';
import { syntheticHash } from '../helpers/synthetic-index.js';

function index(entries: Array<{ name: string; version: string; os?: string; target: string; inBuildcache?: boolean; external?: boolean }>) {
  const builder = new CompactIndexBuilder(3);
  entries.forEach((e, i) => {
    const spec = { name: e.name, version: e.version, arch: { platform: 'linux', platform_os: e.os ?? 'debian12', target: { name: e.target } }, ...(e.external ? { external: { path: '/usr' } } : {}) };
    builder.add(syntheticHash(`${i}`), JSON.stringify({ spec, in_buildcache: e.inBuildcache ?? true }));
  });
  builder.add('not-a-hash', '{}');
  return builder.finish('0'.repeat(64));
}

const HOST = { platform: 'linux', os: 'debian12', target: 'icelake' };

test('keeps specs in the cache that this host runs, the host\'s os first, then the exact target, then the newest version; another os last (its signed spec\'s libc decides)', () => {
  const built = index([
    { name: 'zlib', version: '1.3.1', target: 'x86_64' },
    { name: 'zlib', version: '1.2.13', target: 'icelake' },
    { name: 'zlib', version: '1.3.1', target: 'icelake' },
    { name: 'zlib', version: '1.3.1', target: 'zen2' },
    { name: 'zlib', version: '1.3.1', os: 'ubuntu22.04', target: 'icelake' },
    { name: 'zlib', version: '1.4.0', target: 'icelake', inBuildcache: false },
    { name: 'zlib', version: '1.5.0', target: 'icelake', external: true },
    { name: 'zstd', version: '1.5.6', target: 'icelake' },
  ]);
  assert.equal(built.specs, 6);
  const found = candidatesFromIndex(built, { name: 'zlib' }, HOST).map((c) => `${c.version} ${c.arch.os} ${c.arch.target}`);
  assert.deepEqual(found, ['1.3.1 debian12 icelake', '1.2.13 debian12 icelake', '1.3.1 debian12 x86_64', '1.3.1 ubuntu22.04 icelake']);
  const wanted = parseSpecRequest('zlib@1.2:1.2.99');
  assert.deepEqual(candidatesFromIndex(built, { name: 'zlib', spec: wanted.spec }, HOST).map((c) => c.version), ['1.2.13']);
  assert.deepEqual(candidatesFromIndex(built, { name: 'nothing' }, HOST), []);
});
