import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseSpecDocument, type SpecNode } from '../../src/spack/spec-json.js';
import { compilerOf, nodesByHash } from '../../src/spec/compiler.js';
import { parseSpecRequest } from '../../src/spec/parse.js';
import { satisfies, unsatisfiedBecause } from '../../src/spec/satisfies.js';
import { compareVersions, parseVersionList, singleVersion, versionSatisfies } from '../../src/spec/version-range.js';
import { PaksError } from '../../src/errors.js';
import { GREET_STEM, UNSIGNED_CACHE } from '../buildcache/fixtures.js';

const SPEC_FIXTURES = fileURLToPath(new URL('../fixtures/spec/', import.meta.url));

/** The recorded Spack 0.23 greet-paks DAG (spec format v4), with a zlib-like node's variants added. */
async function greetDag(): Promise<{ root: SpecNode; nodes: Map<string, SpecNode> }> {
  const doc = parseSpecDocument(await readFile(join(UNSIGNED_CACHE, 'build_cache', `${GREET_STEM}.spec.json`), 'utf8'));
  const nodes = nodesByHash(doc.spec.nodes);
  const hello = doc.spec.nodes.find((n) => n.name === 'hello-paks')!;
  Object.assign(hello.parameters, { shared: true, pic: false, libs: ['shared', 'static'], api: 'v2' });
  return { root: doc.spec.nodes[0]!, nodes };
}

const why = (root: SpecNode, nodes: Map<string, SpecNode>, request: string) => unsatisfiedBecause(root, parseSpecRequest(request).spec, nodes);

describe('versions', () => {
  test('ordering follows Spack: numbers by value, longer is newer, develop above all', () => {
    assert.ok(compareVersions('1.10', '1.9') > 0);
    assert.ok(compareVersions('1.2.1', '1.2') > 0);
    assert.ok(compareVersions('develop', '99.0') > 0);
    assert.ok(compareVersions('1.2rc1', '1.2.0') < 0);
    assert.equal(compareVersions('1.3.1', '1.3.1'), 0);
  });
  test('@1.2 is every 1.2.x; @=1.2 is exactly 1.2', () => {
    assert.ok(versionSatisfies('1.2.13', parseVersionList('1.2')));
    assert.ok(!versionSatisfies('1.20', parseVersionList('1.2')));
    assert.ok(versionSatisfies('1.2', parseVersionList('=1.2')));
    assert.ok(!versionSatisfies('1.2.13', parseVersionList('=1.2')));
  });
  test('ranges are inclusive of the upper version\'s sub-versions; open ends; lists', () => {
    assert.ok(versionSatisfies('1.4.7', parseVersionList('1.2:1.4')));
    assert.ok(!versionSatisfies('1.5', parseVersionList('1.2:1.4')));
    assert.ok(!versionSatisfies('1.1.9', parseVersionList('1.2:1.4')));
    assert.ok(versionSatisfies('3.0', parseVersionList('1.2:')));
    assert.ok(versionSatisfies('0.1', parseVersionList(':1.4')));
    assert.ok(versionSatisfies('1.6.1', parseVersionList('1.0,1.6:1.8')));
    assert.ok(!versionSatisfies('1.5', parseVersionList('1.0,1.6:1.8')));
  });
  test('a single version names a tag; a range or list does not', () => {
    assert.equal(singleVersion(parseVersionList('1.3.1')), '1.3.1');
    assert.equal(singleVersion(parseVersionList('=1.3.1')), '1.3.1');
    assert.equal(singleVersion(parseVersionList('1.3:')), undefined);
    assert.equal(singleVersion(parseVersionList('1.2,1.3')), undefined);
  });
});

describe('parsing the spec syntax', () => {
  test('name, namespace, version, variants, compiler, arch, hash and dependencies', () => {
    const { spec, unevaluated } = parseSpecRequest('builtin.zlib@1.2:1.3 +shared ~pic libs=shared,static %gcc@12: os=debian12 target=icelake ^cmake@3.2 +ownlibs /abc123');
    assert.deepEqual(unevaluated, []);
    assert.equal(spec.namespace, 'builtin');
    assert.equal(spec.name, 'zlib');
    assert.deepEqual(spec.versions, [{ kind: 'range', low: '1.2', high: '1.3' }]);
    assert.deepEqual(spec.variants, { shared: true, pic: false, libs: ['shared', 'static'] });
    assert.deepEqual(spec.compiler, { name: 'gcc', versions: [{ kind: 'range', low: '12' }] });
    assert.equal(spec.os, 'debian12');
    assert.equal(spec.target, 'icelake');
    assert.equal(spec.dependencies.length, 1);
    assert.equal(spec.dependencies[0]!.name, 'cmake');
    assert.deepEqual(spec.dependencies[0]!.variants, { ownlibs: true });
    assert.equal(spec.dependencies[0]!.hash, 'abc123');
  });
  test('the name and the single version that names a tag', () => {
    const tagOf = (text: string) => {
      const { spec } = parseSpecRequest(text);
      return { name: spec.name, version: spec.versions ? singleVersion(spec.versions) : undefined };
    };
    assert.deepEqual(tagOf('zlib'), { name: 'zlib', version: undefined });
    assert.deepEqual(tagOf('zlib@1.3.1+shared %gcc'), { name: 'zlib', version: '1.3.1' });
    assert.deepEqual(tagOf('zlib@=1.3.1'), { name: 'zlib', version: '1.3.1' });
    assert.deepEqual(tagOf('builtin.py-numpy@1.26.4'), { name: 'py-numpy', version: '1.26.4' });
    assert.deepEqual(tagOf('zlib@1.2:'), { name: 'zlib', version: undefined });
    assert.deepEqual(tagOf('zlib@1.2,1.3'), { name: 'zlib', version: undefined });
    assert.deepEqual(tagOf('hdf5 ^zlib@1.3'), { name: 'hdf5', version: undefined });
  });
  test('arch= splits into platform, os and target; -variant is ~variant', () => {
    const { spec } = parseSpecRequest('zlib arch=linux-ubuntu22.04-zen3 -shared');
    assert.deepEqual([spec.platform, spec.os, spec.target], ['linux', 'ubuntu22.04', 'zen3']);
    assert.equal(spec.variants.shared, false);
  });
  test('what Paks does not evaluate is listed, not guessed', () => {
    for (const [text, part] of [
      ['zlib ++shared', '++shared'],
      ['zlib shared==true', 'shared==true'],
      ['zlib cflags="-O3 -g"', 'cflags="-O3 -g"'],
      ['zlib target=x86_64:', 'target=x86_64:'],
      ['mpileaks ^[virtuals=mpi] openmpi', '^[virtuals=mpi]'],
      ['zlib@git.v1.3=1.3', '@git.v1.3=1.3'],
    ] as const) {
      assert.ok(parseSpecRequest(text).unevaluated.includes(part), `${text}: ${parseSpecRequest(text).unevaluated.join(' | ')}`);
    }
    assert.deepEqual(parseSpecRequest('zlib bzip2').unevaluated, ['2 packages in one argument']);
  });
  test('a syntax error is one sentence naming where, exit 2', () => {
    assert.equal(parseSpecRequest('/eus5xxl').spec.hash, 'eus5xxl', 'an installed spec by hash');
    for (const text of ['zlib@@', 'zlib ^', 'zlib %', '+shared', 'zlib $x']) {
      assert.throws(() => parseSpecRequest(text), (e: unknown) => e instanceof PaksError && e.exitCode === 2 && new RegExp(text.replace(/[$^+]/g, '\\$&')).test(e.message), text);
    }
  });
});

describe('satisfaction, each constraint both ways', () => {
  test('name and version (single, exact, range)', async () => {
    const { root, nodes } = await greetDag();
    assert.equal(why(root, nodes, 'greet-paks@1.0.0'), undefined);
    assert.equal(why(root, nodes, 'greet-paks@1:'), undefined);
    assert.equal(why(root, nodes, 'greet-paks@=1.0.0'), undefined);
    assert.equal(why(root, nodes, 'greet-paks@1.1:'), 'greet-paks is @1.0.0; you asked @1.1:');
    assert.equal(why(root, nodes, 'greet-paks@=1.0'), 'greet-paks is @1.0.0; you asked @=1.0');
  });
  test('bool variants: +x and ~x, and a variant the package lacks', async () => {
    const { nodes } = await greetDag();
    const hello = [...nodes.values()].find((n) => n.name === 'hello-paks')!;
    assert.equal(why(hello, nodes, 'hello-paks+shared~pic'), undefined);
    assert.equal(why(hello, nodes, 'hello-paks shared=true'), undefined);
    assert.equal(why(hello, nodes, 'hello-paks~shared'), 'hello-paks is +shared; you asked ~shared');
    assert.equal(why(hello, nodes, 'hello-paks+pic'), 'hello-paks is ~pic; you asked +pic');
    assert.equal(why(hello, nodes, 'hello-paks+mpi'), 'hello-paks has no variant mpi; you asked +mpi');
  });
  test('key=value variants, single- and multi-valued', async () => {
    const { nodes } = await greetDag();
    const hello = [...nodes.values()].find((n) => n.name === 'hello-paks')!;
    assert.equal(why(hello, nodes, 'hello-paks build_system=makefile api=v2'), undefined);
    assert.equal(why(hello, nodes, 'hello-paks libs=static'), undefined);
    assert.equal(why(hello, nodes, 'hello-paks libs=shared,static'), undefined);
    assert.equal(why(hello, nodes, 'hello-paks build_system=cmake'), 'hello-paks is build_system=makefile; you asked build_system=cmake');
    assert.equal(why(hello, nodes, 'hello-paks libs=pic'), 'hello-paks is libs=shared,static; you asked libs=pic');
  });
  test('%compiler with and without versions (spec format v4)', async () => {
    const { root, nodes } = await greetDag();
    assert.equal(why(root, nodes, 'greet-paks %gcc'), undefined);
    assert.equal(why(root, nodes, 'greet-paks %gcc@12:'), undefined);
    assert.equal(why(root, nodes, 'greet-paks %clang'), 'greet-paks was built with %gcc@12.2.0; you asked %clang');
    assert.equal(why(root, nodes, 'greet-paks %gcc@13'), 'greet-paks was built with %gcc@12.2.0; you asked %gcc@13');
  });
  test('os=, target=, platform= and arch=', async () => {
    const { root, nodes } = await greetDag();
    assert.equal(why(root, nodes, 'greet-paks os=debian12 target=icelake platform=linux'), undefined);
    assert.equal(why(root, nodes, 'greet-paks arch=linux-debian12-icelake'), undefined);
    assert.equal(why(root, nodes, 'greet-paks os=ubuntu22.04'), 'greet-paks is for os=debian12; you asked os=ubuntu22.04');
    assert.equal(why(root, nodes, 'greet-paks target=zen3'), 'greet-paks is for target=icelake; you asked target=zen3');
    assert.equal(why(root, nodes, 'greet-paks arch=darwin-sonoma-m1'), 'greet-paks is for platform=linux; you asked platform=darwin');
  });
  test('/hash prefixes', async () => {
    const { root, nodes } = await greetDag();
    assert.equal(why(root, nodes, 'greet-paks/eus5xxl'), undefined);
    assert.equal(why(root, nodes, 'greet-paks/aaaaaaa'), 'greet-paks is /eus5xxl; you asked /aaaaaaa');
  });
  test('^dependency constraints are checked on the nodes of the DAG', async () => {
    const { root, nodes } = await greetDag();
    assert.equal(why(root, nodes, 'greet-paks ^hello-paks@1.1.0'), undefined);
    assert.equal(why(root, nodes, 'greet-paks ^hello-paks+shared ^glibc@2.36'), undefined);
    assert.equal(why(root, nodes, 'greet-paks ^libc@2.36'), undefined, 'a virtual names the node that provides it');
    assert.equal(why(root, nodes, 'greet-paks ^hello-paks@1.0.0'), 'greet-paks depends on hello-paks@1.1.0; you asked ^hello-paks@1.0.0');
    assert.equal(why(root, nodes, 'greet-paks ^hello-paks~shared'), 'greet-paks depends on hello-paks@1.1.0+shared; you asked ^hello-paks~shared');
    assert.equal(why(root, nodes, 'greet-paks ^zlib'), 'greet-paks does not depend on zlib; you asked ^zlib');
    assert.equal(why(root, nodes, 'greet-paks ^hello-paks %clang'), 'greet-paks depends on hello-paks@1.1.0%gcc@12.2.0; you asked ^hello-paks %clang');
  });
  test('satisfies() agrees with the reasons', async () => {
    const { root, nodes } = await greetDag();
    assert.equal(satisfies(root, parseSpecRequest('greet-paks@1.0.0 %gcc ^hello-paks@1.1').spec, nodes), true);
    assert.equal(satisfies(root, parseSpecRequest('greet-paks@2').spec, nodes), false);
  });
});

describe('compilerOf', () => {
  test('Spack 0.23 (format v4): the node\'s compiler field', async () => {
    const { root, nodes } = await greetDag();
    assert.deepEqual(compilerOf(root, nodes), { name: 'gcc', version: '12.2.0' });
  });
  test('Spack 1.x (format v5): the dependency that provides c, cxx or fortran', async () => {
    const doc = parseSpecDocument(await readFile(join(SPEC_FIXTURES, 'spack-1.1-greet-paks.spec.json'), 'utf8'));
    const nodes = nodesByHash(doc.spec.nodes);
    const root = doc.spec.nodes[0]!;
    assert.equal(root.compiler, undefined);
    assert.deepEqual(compilerOf(root, nodes), { name: 'gcc', version: '12.2.0' });
    const glibc = doc.spec.nodes.find((n) => n.name === 'glibc')!;
    assert.equal(compilerOf(glibc, nodes), undefined, 'an external without a compiler edge has none');
    assert.equal(unsatisfiedBecause(root, parseSpecRequest('greet-paks %gcc@12').spec, nodes), undefined);
    assert.equal(unsatisfiedBecause(root, parseSpecRequest('greet-paks %clang').spec, nodes), 'greet-paks was built with %gcc@12.2.0; you asked %clang');
  });
});
