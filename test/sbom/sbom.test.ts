import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpecDocument, type SpecDocument } from '../../src/spack/spec-json.js';
import { PaksError } from '../../src/errors.js';
import { bomRef, cycloneDxFor } from '../../src/sbom/cyclonedx.js';
import { sbomFileNames, sbomPaths } from '../../src/sbom/file-names.js';
import { packageInfoFor, parseSpackInfo } from '../../src/sbom/spack-info.js';
import { spdxFor, spdxId } from '../../src/sbom/spdx.js';
import { GREET_STEM, greetDocument, helloDocument, readFixture, richDocument } from './fixtures.js';
import { schemaErrors, validateCycloneDx, validateSpdx } from './schemas.js';

type Json = Record<string, any>;
const options = { timestamp: '2026-11-21T23:10:42.123Z', toolVersion: '0.1.0' };

async function greetInfo() {
  const info = parseSpackInfo(await readFixture('spack-info-greet-paks.txt'));
  return {
    'greet-paks': { ...packageInfoFor(info, '1.0.0'), sha256: '4ffadee66e87485c87343b85138b6591cb900cf5753cc8154b1a2bfcd33e400e' },
    'hello-paks': { homepage: 'https://example.com/hello-paks', license: 'MIT' },
    weird: { license: 'Some custom licence, see COPYING' },
  };
}

async function documents(): Promise<[string, SpecDocument][]> {
  return [['greet-paks', await greetDocument()], ['hello-paks', await helloDocument()], ['rich', richDocument()]];
}

test('CycloneDX output validates against the official 1.6 schema', async () => {
  const packageInfo = await greetInfo();
  for (const [name, doc] of await documents()) {
    for (const bom of [cycloneDxFor(doc, options), cycloneDxFor(doc, { ...options, packageInfo })]) {
      assert.ok(validateCycloneDx(bom), `${name}: ${schemaErrors(validateCycloneDx)}`);
    }
  }
});

test('the schema checks are real: broken documents fail them', async () => {
  const doc = await greetDocument();
  const { bomFormat: _b, ...noFormat } = cycloneDxFor(doc, options);
  assert.equal(validateCycloneDx(noFormat), false);
  assert.equal(validateCycloneDx({ ...cycloneDxFor(doc, options), serialNumber: 'urn:uuid:nope' }), false);
  const spdx = spdxFor(doc, options) as Json;
  assert.equal(validateSpdx({ ...spdx, relationships: [{ ...spdx.relationships[0], relationshipType: 'LIKES' }] }), false);
  const { creationInfo: _c, ...noCreation } = spdx;
  assert.equal(validateSpdx(noCreation), false);
});

test('SPDX output validates against the official 2.3 schema and has the mandatory fields', async () => {
  const packageInfo = await greetInfo();
  for (const [name, doc] of await documents()) {
    for (const spdx of [spdxFor(doc, options), spdxFor(doc, { ...options, packageInfo })]) {
      assert.ok(validateSpdx(spdx), `${name}: ${schemaErrors(validateSpdx)}`);
      assert.equal(spdx.spdxVersion, 'SPDX-2.3');
      assert.equal(spdx.dataLicense, 'CC0-1.0');
      assert.equal(spdx.SPDXID, 'SPDXRef-DOCUMENT');
      assert.match(String(spdx.documentNamespace), /^https:\/\/spdx\.org\/spdxdocs\/.+-[0-9a-f-]{36}$/);
      assert.deepEqual(spdx.creationInfo, { created: '2026-11-21T23:10:42Z', creators: ['Tool: paks-0.1.0'] });
    }
  }
});

test('CycloneDX for greet-paks: root, components, dependencies with their Spack types', async () => {
  const doc = await greetDocument();
  const bom = cycloneDxFor(doc, { ...options, packageInfo: await greetInfo() }) as Json;
  assert.equal(bom.bomFormat, 'CycloneDX');
  assert.equal(bom.specVersion, '1.6');
  assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(bom.metadata.tools, { components: [{ type: 'application', name: 'paks', version: '0.1.0' }] });
  const root = bom.metadata.component;
  assert.equal(root.name, 'greet-paks');
  assert.equal(root.type, 'application');
  assert.equal(root.purl, 'pkg:generic/greet-paks@1.0.0?arch=linux-debian12-icelake&checksum=sha256:4ffadee66e87485c87343b85138b6591cb900cf5753cc8154b1a2bfcd33e400e&download_url=file:%2F%2F%24SRC%2Fgreet-paks-1.0.0.tar.gz&spack-hash=eus5xxlme3e4olqwzmc6dk5dp6hopdrj');
  assert.deepEqual(root.licenses, [{ expression: 'MIT' }]);
  assert.deepEqual(root.externalReferences, [
    { type: 'website', url: 'https://example.com/greet-paks' },
    { type: 'source-distribution', url: 'file://$SRC/greet-paks-1.0.0.tar.gz', hashes: [{ alg: 'SHA-256', content: '4ffadee66e87485c87343b85138b6591cb900cf5753cc8154b1a2bfcd33e400e' }] },
  ]);
  const props = Object.fromEntries(root.properties.map((p: Json) => [p.name, p.value]));
  assert.equal(props['spack:hash'], 'eus5xxlme3e4olqwzmc6dk5dp6hopdrj');
  assert.equal(props['spack:package_hash'], 'pxvynj5npjxjrqr2hhb7m5qvwr4vkeprva7dpjaisrzt4fg63saa====');
  assert.equal(props['spack:compiler'], 'gcc@12.2.0');
  assert.equal(props['spack:arch'], 'linux-debian12-icelake');
  assert.equal(props['spack:variant:build_system'], 'makefile');
  assert.equal(props['spack:dependency:hello-paks/v3txzpg'], 'build,link');
  assert.equal(props['spack:dependency:gmake/srfykal'], 'build');
  assert.equal(props['spack:dependency-virtuals:glibc/x6jyccn'], 'libc');

  assert.deepEqual(bom.components.map((c: Json) => c.name), ['gcc-runtime', 'glibc', 'gmake', 'hello-paks']);
  const scopes = Object.fromEntries(bom.components.map((c: Json) => [c.name, c.scope]));
  assert.deepEqual(scopes, { 'gcc-runtime': 'required', glibc: 'required', gmake: 'excluded', 'hello-paks': 'required' });
  const glibc = bom.components.find((c: Json) => c.name === 'glibc');
  assert.ok(glibc.properties.some((p: Json) => p.name === 'spack:external' && p.value === 'true'));
  assert.ok(glibc.properties.some((p: Json) => p.name === 'spack:external:path' && p.value === '/usr'));

  const deps = Object.fromEntries(bom.dependencies.map((d: Json) => [d.ref.split('@')[0], d.dependsOn.map((r: string) => r.split('@')[0])]));
  assert.deepEqual(deps, {
    'gcc-runtime': ['glibc'],
    glibc: [],
    gmake: [],
    'greet-paks': ['gcc-runtime', 'glibc', 'gmake', 'hello-paks'],
    'hello-paks': ['gcc-runtime', 'glibc', 'gmake'],
  });
  const refs = new Set([root['bom-ref'], ...bom.components.map((c: Json) => c['bom-ref'])]);
  for (const d of bom.dependencies) for (const r of [d.ref, ...d.dependsOn]) assert.ok(refs.has(r), r);
  assert.equal(root['bom-ref'], bomRef(doc.spec.nodes[0]!));
});

test('SPDX for greet-paks: DESCRIBES the root, dependency relationships point the right way', async () => {
  const doc = await greetDocument();
  const spdx = spdxFor(doc, { ...options, packageInfo: await greetInfo() }) as Json;
  const id = (name: string) => spdxId(doc.spec.nodes.find((n) => n.name === name)!);
  const rels = spdx.relationships.map((r: Json) => `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`);
  assert.equal(rels[0], `SPDXRef-DOCUMENT DESCRIBES ${id('greet-paks')}`);
  for (const expected of [
    `${id('greet-paks')} DEPENDS_ON ${id('hello-paks')}`,
    `${id('hello-paks')} BUILD_DEPENDENCY_OF ${id('greet-paks')}`,
    `${id('gmake')} BUILD_DEPENDENCY_OF ${id('greet-paks')}`,
    `${id('greet-paks')} DEPENDS_ON ${id('glibc')}`,
    `${id('gcc-runtime')} DEPENDS_ON ${id('glibc')}`,
    `${id('gmake')} BUILD_DEPENDENCY_OF ${id('hello-paks')}`,
  ]) {
    assert.ok(rels.includes(expected), expected);
  }
  // 4 + 3 + 1 edges; hello-paks is build AND link, so it counts twice.
  assert.equal(rels.length, 1 + 5 + 3 + 1);
  assert.ok(!rels.includes(`${id('greet-paks')} DEPENDS_ON ${id('gmake')}`), 'a build-only dependency is not DEPENDS_ON');

  const pkgs = Object.fromEntries(spdx.packages.map((p: Json) => [p.name, p]));
  assert.equal(spdx.packages[0].name, 'greet-paks');
  assert.equal(pkgs['greet-paks'].downloadLocation, 'file://$SRC/greet-paks-1.0.0.tar.gz');
  assert.equal(pkgs['greet-paks'].licenseDeclared, 'MIT');
  assert.equal(pkgs['greet-paks'].homepage, 'https://example.com/greet-paks');
  assert.deepEqual(pkgs['greet-paks'].checksums, [{ algorithm: 'SHA256', checksumValue: '4ffadee66e87485c87343b85138b6591cb900cf5753cc8154b1a2bfcd33e400e' }]);
  assert.equal(pkgs['greet-paks'].primaryPackagePurpose, 'APPLICATION');
  assert.equal(pkgs.gmake.downloadLocation, 'NOASSERTION');
  assert.equal(pkgs.gmake.licenseDeclared, 'NOASSERTION');
  assert.match(pkgs.glibc.comment, /^External: provided by the system/);
  assert.match(pkgs.glibc.comment, /spack:external:path=\/usr/);
  assert.match(pkgs['greet-paks'].comment, /spack:hash=eus5xxlme3e4olqwzmc6dk5dp6hopdrj/);
  assert.equal(pkgs['greet-paks'].externalRefs[0].referenceType, 'purl');
  assert.match(pkgs['greet-paks'].externalRefs[0].referenceLocator, /^pkg:generic\/greet-paks@1\.0\.0\?/);
});

test('every dependency type and the external/variant details in a richer DAG', () => {
  const doc = richDocument();
  const spdx = spdxFor(doc, options) as Json;
  const name = (id: string) => spdx.packages.find((p: Json) => p.SPDXID === id).name;
  const rels = spdx.relationships.slice(1).map((r: Json) => `${name(r.spdxElementId)} ${r.relationshipType} ${name(r.relatedSpdxElement)}`);
  assert.deepEqual(rels.sort(), [
    'app DEPENDS_ON mpich',
    'cmake BUILD_DEPENDENCY_OF app',
    'mpich BUILD_DEPENDENCY_OF app',
    'mpich DEPENDS_ON zlib',
    'pytest TEST_DEPENDENCY_OF app',
    'python DEPENDS_ON zlib',
    'python RUNTIME_DEPENDENCY_OF app',
  ]);
  const bom = cycloneDxFor(doc, options) as Json;
  const scopes = Object.fromEntries(bom.components.map((c: Json) => [c.name, c.scope]));
  assert.deepEqual(scopes, { cmake: 'excluded', mpich: 'required', pytest: 'excluded', python: 'required', zlib: 'required' });
  const props = Object.fromEntries(bom.metadata.component.properties.map((p: Json) => [p.name, p.value]));
  assert.equal(props['spack:variant:mpi'], 'true');
  assert.equal(props['spack:variant:precision'], 'double,single');
  assert.equal(props['spack:flag:cflags'], '-O3');
  assert.equal('spack:flag:cxxflags' in props, false);
  assert.equal(props['spack:dependency:pytest/eeeeeee'], 'test');
  assert.equal(props['spack:dependency-virtuals:mpich/bbbbbbb'], 'mpi');
  assert.equal(bom.metadata.component.purl, `pkg:generic/app@2.0%2Blocal?arch=linux-rhel9-zen3&spack-hash=${'a'.repeat(32)}`);
  const cmake = bom.components.find((c: Json) => c.name === 'cmake');
  const cmakeProps = Object.fromEntries(cmake.properties.map((p: Json) => [p.name, p.value]));
  assert.equal(cmakeProps['spack:external'], 'true');
  assert.equal(cmakeProps['spack:patches'], 'abc123');
  assert.equal('spack:variant:patches' in cmakeProps, false);
});

test('a licence that is not an SPDX expression is kept by name, never put where SPDX ids go', async () => {
  const doc = parseSpecDocument(JSON.stringify({ spec: { _meta: { version: 4 }, nodes: [{ name: 'weird', version: '1', hash: 'w'.repeat(32), arch: { platform: 'linux', platform_os: 'x', target: 'x86_64' } }] } }));
  const packageInfo = await greetInfo();
  const bom = cycloneDxFor(doc, { ...options, packageInfo }) as Json;
  assert.deepEqual(bom.metadata.component.licenses, [{ license: { name: 'Some custom licence, see COPYING' } }]);
  assert.ok(validateCycloneDx(bom), schemaErrors(validateCycloneDx));
  const spdx = spdxFor(doc, { ...options, packageInfo }) as Json;
  assert.equal(spdx.packages[0].licenseDeclared, 'NOASSERTION');
  assert.match(spdx.packages[0].licenseComments, /Some custom licence/);
  assert.ok(validateSpdx(spdx), schemaErrors(validateSpdx));
});

test('output is deterministic: same input, same bytes; another timestamp, another identity', async () => {
  const doc = await greetDocument();
  const packageInfo = await greetInfo();
  assert.equal(JSON.stringify(cycloneDxFor(doc, { ...options, packageInfo })), JSON.stringify(cycloneDxFor(await greetDocument(), { ...options, packageInfo })));
  assert.equal(JSON.stringify(spdxFor(doc, options)), JSON.stringify(spdxFor(doc, options)));
  // Node order in the input does not matter.
  const shuffled = { ...doc, spec: { ...doc.spec, nodes: [doc.spec.nodes[0]!, ...doc.spec.nodes.slice(1).reverse()] } };
  assert.equal(JSON.stringify(spdxFor(shuffled, options)), JSON.stringify(spdxFor(doc, options)));
  assert.equal(JSON.stringify(cycloneDxFor(shuffled, options)), JSON.stringify(cycloneDxFor(doc, options)));
  const later = { ...options, timestamp: new Date('2027-01-01T00:00:00Z') };
  assert.notEqual(cycloneDxFor(doc, later).serialNumber, cycloneDxFor(doc, options).serialNumber);
  assert.notEqual(spdxFor(doc, later).documentNamespace, spdxFor(doc, options).documentNamespace);
  assert.equal(String(spdxFor(doc, { ...options, namespaceBase: 'https://sbom.example.org/paks/' }).documentNamespace).startsWith('https://sbom.example.org/paks/greet-paks-1.0.0-eus5xxl-'), true);
});

test('a DAG that names a dependency it does not include is refused', () => {
  const doc = parseSpecDocument(JSON.stringify({ spec: { _meta: { version: 4 }, nodes: [{ name: 'a', version: '1', hash: 'a'.repeat(32), arch: { platform: 'linux', platform_os: 'x', target: 'x86_64' }, dependencies: [{ name: 'ghost', hash: 'g'.repeat(32), parameters: { deptypes: ['link'], virtuals: [] } }] }] } }));
  assert.throws(() => cycloneDxFor(doc, options), (e: unknown) => e instanceof PaksError && /depends on ghost\/ggggggg, which it does not include/.test(e.message));
  assert.throws(() => spdxFor(doc, options), /ghost/);
});

test('SBOM files sit next to the spec file with the same stem', async () => {
  assert.deepEqual(sbomFileNames(GREET_STEM), { cyclonedx: `${GREET_STEM}.cdx.json`, spdx: `${GREET_STEM}.spdx.json` });
  const root = (await greetDocument()).spec.nodes[0]!;
  const { binaryIdentity, specStem } = await import('../../src/buildcache/layout.js');
  // A cached spec's sbomStem: layout v2 beside the spec file, v3 under sbom/.
  assert.deepEqual(sbomPaths({ sbomStem: `build_cache/${specStem(binaryIdentity(root))}` }), { cyclonedx: `build_cache/${GREET_STEM}.cdx.json`, spdx: `build_cache/${GREET_STEM}.spdx.json` });
  assert.deepEqual(sbomPaths({ sbomStem: 'sbom/greet-paks-1.0.0-x' }), { cyclonedx: 'sbom/greet-paks-1.0.0-x.cdx.json', spdx: 'sbom/greet-paks-1.0.0-x.spdx.json' });
});
