import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  compilerLabel,
  dependencyTypes,
  parseBuildCacheIndex,
  parseFindOutput,
  parseSpecDocument,
  rootNode,
  targetName,
  targetParents,
} from '../../src/spack/spec-json.js';
import { PaksError } from '../../src/errors.js';
import { FIXTURES, UNSIGNED_CACHE, GREET_STEM } from './fixtures.js';

const read = (path: string) => readFile(path, 'utf8');

test('parses `spack spec --json` output: root first, deps with types and virtuals', async () => {
  const doc = parseSpecDocument(await read(join(FIXTURES, 'spec-hello-paks.json')));
  const root = rootNode(doc);
  assert.equal(doc.spec._meta.version, 4);
  assert.equal(root.name, 'hello-paks');
  assert.equal(root.version, '1.1.0');
  assert.equal(root.hash, 'v3txzpguqtrca4lvc5rmlzbkazgyeoku');
  assert.equal(targetName(root.arch), 'icelake');
  assert.deepEqual(targetParents(root.arch), ['cascadelake', 'cannonlake']);
  assert.equal(compilerLabel(root.compiler), 'gcc@12.2.0');
  const glibc = root.dependencies.find((d) => d.name === 'glibc')!;
  assert.deepEqual(dependencyTypes(glibc), ['link']);
  assert.deepEqual(glibc.parameters?.virtuals, ['libc']);
  const gmake = doc.spec.nodes.find((n) => n.name === 'gmake')!;
  assert.equal(gmake.external?.path, '/usr');
  assert.deepEqual(gmake.patches, ['599f134e69f696ad1ff32b001ea132a49749ebd92ab2b4f4d26afdda2c33cc43']);
  // Variants and fields Paks does not know are kept, not dropped.
  assert.equal(gmake.parameters.guile, false);
  assert.equal((root.arch.target as { vendor?: string }).vendor, 'GenuineIntel');
});

test('parses a build cache spec file with its checksum and layout version', async () => {
  const doc = parseSpecDocument(await read(join(UNSIGNED_CACHE, 'build_cache', `${GREET_STEM}.spec.json`)));
  assert.equal(doc.buildcache_layout_version, 2);
  assert.deepEqual(doc.binary_cache_checksum, {
    hash_algorithm: 'sha256',
    hash: '25fee582a77eaf4b7746bb966f6cfb2255e08a85b657867ee72be4865841690b',
  });
  const hello = rootNode(doc).dependencies.find((d) => d.name === 'hello-paks')!;
  assert.deepEqual(dependencyTypes(hello), ['build', 'link']);
});

test('parses `spack find --json` (an array of nodes) and index.json', async () => {
  const found = parseFindOutput(await read(join(FIXTURES, 'spack-find.json')));
  assert.deepEqual(found.map((n) => n.name), ['gcc-runtime', 'glibc', 'gmake', 'greet-paks', 'hello-paks']);
  const index = parseBuildCacheIndex(await read(join(UNSIGNED_CACHE, 'build_cache', 'index.json')));
  assert.equal(index.database.version, '7');
  assert.equal(index.database.installs['eus5xxlme3e4olqwzmc6dk5dp6hopdrj']?.spec.name, 'greet-paks');
  assert.equal(index.database.installs['x6jyccnsburr4bfqlcllhg2hs65t2xs6']?.in_buildcache, false);
});

test('accepts the older `type` form of dependency types and plain-string targets', () => {
  const doc = parseSpecDocument(
    JSON.stringify({
      spec: {
        _meta: { version: 3 },
        nodes: [
          {
            name: 'a', version: '1', hash: 'a'.repeat(32),
            arch: { platform: 'linux', platform_os: 'rhel8', target: 'x86_64' },
            dependencies: [{ name: 'b', hash: 'b'.repeat(32), type: ['build', 'run'] }],
          },
        ],
      },
    }),
  );
  assert.equal(targetName(rootNode(doc).arch), 'x86_64');
  assert.deepEqual(dependencyTypes(rootNode(doc).dependencies[0]!), ['build', 'run']);
  assert.equal(rootNode(doc).compiler, undefined);
});

test('refuses values Paks would build paths from when they are unsafe, naming the field', () => {
  const node = {
    name: '../../etc', version: '1', hash: 'a'.repeat(32),
    arch: { platform: 'linux', platform_os: 'rhel8', target: 'x86_64' },
  };
  const error = (() => {
    try {
      parseSpecDocument(JSON.stringify({ spec: { _meta: { version: 4 }, nodes: [node] } }), 'evil.spec.json');
    } catch (e) {
      return e as PaksError;
    }
    return undefined;
  })();
  assert.ok(error instanceof PaksError);
  assert.equal(error.kind, 'spack');
  assert.match(error.message, /evil\.spec\.json is not a Spack spec document/);
  assert.match(error.message, /name/);
});

test('bad hashes, unknown dependency types and broken JSON are clear errors', () => {
  const base = { name: 'a', version: '1', arch: { platform: 'linux', platform_os: 'x', target: 'x86_64' } };
  const wrap = (node: object) => JSON.stringify({ spec: { _meta: { version: 4 }, nodes: [node] } });
  assert.throws(() => parseSpecDocument(wrap({ ...base, hash: 'XYZ' })), /32-character Spack hash/);
  assert.throws(
    () => parseSpecDocument(wrap({ ...base, hash: 'a'.repeat(32), dependencies: [{ name: 'b', hash: 'b'.repeat(32), parameters: { deptypes: ['weird'] } }] })),
    /deptypes/,
  );
  assert.throws(() => parseSpecDocument('{"spec": ', 'x.json'), (e: unknown) => e instanceof PaksError && /x\.json is not valid JSON/.test(e.message));
  assert.throws(() => parseFindOutput('{}'), /not a list of Spack specs/);
});
