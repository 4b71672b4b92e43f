/** Paks' Spack-native images against what real Spack wrote (test/fixtures/spack-oci/README.md). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { layerNodes, runtimeClosureTopo } from '../../src/spack-oci/closure.js';
import { defaultBase, imageConfig, imageManifest, specConfigFields, specDescription, spackImageTag, spackJson } from '../../src/spack-oci/image.js';
import { mergeDatabases, parseDatabase } from '../../src/spack-oci/index-spack.js';
import { runEnvironment } from '../../src/spack-oci/run-environment.js';
import { parseSpecDocument, type SpecNode } from '../../src/spack/spec-json.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const recorded = JSON.parse(readFileSync(`${fixtures}spack-oci/recorded.json`, 'utf8')) as Record<string, any>;
const cacheDir = `${fixtures}spack/buildcache-unsigned/build_cache/`;
const stem = (name: string) => `${cacheDir}linux-debian12-icelake-gcc-12.2.0-${name}.spec.json`;
const greetText = readFileSync(stem('greet-paks-1.0.0-eus5xxlme3e4olqwzmc6dk5dp6hopdrj'), 'utf8');
const greet = parseSpecDocument(greetText);
const nodes = greet.spec.nodes;
const node = (name: string) => nodes.find((n) => n.name === name)!;
const GREET = 'eus5xxlme3e4olqwzmc6dk5dp6hopdrj';

describe('Spack-native image layout (Spack 0.23 recordings)', () => {
  it('tags each spec <name>-<version>-<hash>.spack', () => {
    const tags = ['hello-paks', 'greet-paks', 'gcc-runtime'].map((n) => spackImageTag(node(n)));
    for (const tag of tags) assert.ok(recorded.tags_0_23.includes(tag), tag);
  });

  it('orders layers like Spack: dependencies first, externals left out', () => {
    assert.deepEqual(layerNodes(nodes, [GREET]).map((n) => n.name), ['gcc-runtime', 'hello-paks', 'greet-paks']);
    assert.deepEqual(runtimeClosureTopo(nodes, [GREET]).map((n) => n.name), ['greet-paks', 'hello-paks', 'gcc-runtime', 'glibc']);
    const recordedManifest = JSON.parse(recorded.manifest_greet_paks);
    const recordedHello = JSON.parse(recorded.manifest_hello_paks);
    // greet's layers end with hello's, which end with gcc-runtime's: dependencies first.
    assert.deepEqual(recordedManifest.layers.slice(0, 2), recordedHello.layers);
  });

  it('writes the description annotation as Spack 0.23 and 1.1 print the spec', () => {
    for (const [name, key] of [['greet-paks', 'manifest_greet_paks'], ['hello-paks', 'manifest_hello_paks'], ['gcc-runtime', 'manifest_gcc_runtime']] as const) {
      const expected = JSON.parse(recorded[key]).annotations['org.opencontainers.image.description'];
      assert.equal(specDescription('0.23', node(name)), expected);
    }
    const zen2 = { ...node('greet-paks'), arch: { ...node('greet-paks').arch, target: 'zen2' } } as SpecNode;
    assert.equal(specDescription('1.1', zen2), recorded.description_1_1);
    // Booleans first, then key=value; patch hashes abbreviated (Spack's VariantMap).
    assert.match(specDescription('0.23', node('gmake')), /^gmake@=4\.3%gcc@=12\.2\.0~guile build_system=generic patches=599f134 arch=/);
  });

  it('computes the Env exactly as recorded (transcript 66)', () => {
    const root = '$SPACK_ROOT/opt/spack/linux-debian12-icelake/gcc-12.2.0';
    const prefix = (n: SpecNode) => (n.external ? n.external.path! : `${root}/${n.name}-${n.version}-${n.hash}`);
    // The recording machine: /usr has share/man, share/aclocal, lib/pkgconfig, share/pkgconfig (and bin, a system path).
    const usr = new Set(['', 'bin', 'share/man', 'share/aclocal', 'lib/pkgconfig', 'share/pkgconfig']);
    const built: Record<string, string[]> = { 'greet-paks': ['', 'bin'], 'hello-paks': ['', 'bin', 'lib', 'include'], 'gcc-runtime': ['', 'lib'] };
    const env = runEnvironment(runtimeClosureTopo(nodes, [GREET]), [node('greet-paks')], {
      prefixOf: prefix,
      isDirectory: (n, rel) => (n.external ? usr.has(rel) : (built[n.name] ?? []).includes(rel)),
    });
    assert.deepEqual(env, recorded.config_greet_paks.config.Env);
  });

  it('builds the config with the recorded keys in the recorded order, and the manifest byte for byte', () => {
    const specFile = JSON.parse(greetText) as Record<string, unknown>;
    const digest = JSON.parse(recorded.manifest_greet_paks).layers[2].digest as string;
    const config = imageConfig(defaultBase('amd64'), ['PATH=/bin:/usr/bin'], ['sha256:aa'], specConfigFields('0.23', specFile, { checksum: digest.slice(7), size: 9686 }));
    assert.deepEqual(Object.keys(config), Object.keys(recorded.config_greet_paks));
    assert.equal(config.buildcache_layout_version, 2, 'the 0.23.0 release value (transcript 141)');
    assert.deepEqual(config.binary_cache_checksum, { hash_algorithm: 'sha256', hash: digest.slice(7) });
    assert.deepEqual(config.spec, specFile.spec);
    const recordedManifest = JSON.parse(recorded.manifest_greet_paks);
    const manifest = imageManifest(defaultBase('amd64'), recordedManifest.config, recordedManifest.layers, recordedManifest.annotations);
    assert.equal(spackJson(manifest).toString(), recorded.manifest_greet_paks);
    // A base image's keys stay in front (transcript 141).
    const based = imageConfig({ config: { created: 'x', architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: ['sha256:b'] }, history: [] }, layers: [], docker: false }, [], ['sha256:c'], specConfigFields('0.23', specFile, { checksum: 'ab', size: 1 }));
    assert.deepEqual(Object.keys(based), recorded.config_keys_0_23_with_base);
    assert.deepEqual((based.rootfs as { diff_ids: string[] }).diff_ids, ['sha256:b', 'sha256:c']);
  });

  it('writes the layout 3 fields for Spack 1.1 (transcript 66, README item 9)', () => {
    const fields = specConfigFields('1.1', { spec: { _meta: { version: 5 }, nodes: [] } }, { checksum: 'ab', size: 7971, timestamp: '2026-11-30T18:58:44.588578+00:00' });
    const config = imageConfig(defaultBase('amd64'), [], [], fields);
    // spec_meta/spec_nodes are the recording script's abbreviation of `spec`, which comes last.
    const expectedKeys = [...(recorded.config_keys_1_1 as string[]).filter((k) => !k.startsWith('spec_')), 'spec'];
    assert.deepEqual(Object.keys(config), expectedKeys);
    assert.equal(config.buildcache_layout_version, recorded.config_1_1_fields.buildcache_layout_version);
    assert.equal(config.archive_compression, recorded.config_1_1_fields.archive_compression);
    assert.equal(config.archive_size, 7971);
    assert.deepEqual(config.spec, { _meta: { version: 5 }, nodes: [] });
  });

  it('index.spack: the layer is the cache index itself, and merging keeps every entry', () => {
    const index = readFileSync(`${fixtures}spack/buildcache-signed/build_cache/index.json`);
    assert.equal(JSON.parse(recorded.manifest_index_spack).layers[0].size, index.length);
    const ours = parseDatabase(index, 'index');
    const other = { database: { version: '7', installs: { aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: { spec: { name: 'zlib', hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }, ref_count: 0, in_buildcache: true } } } };
    const merged = mergeDatabases(other, ours);
    assert.equal(Object.keys(merged.database.installs).length, 6);
    assert.equal(merged.database.installs.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!.spec.name, 'zlib');
    assert.equal(merged.database.installs.x6jyccnsburr4bfqlcllhg2hs65t2xs6!.ref_count, 3, 'glibc: recounted, as Spack counts it');
    assert.deepEqual(mergeDatabases(merged, ours), merged, 'merging again changes nothing');
  });
});
