import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BinaryIdentity } from '../../src/buildcache/layout.js';
import { ociPlatform, spackAnnotations } from '../../src/buildcache/oci-platform.js';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { SIGNED_CACHE, V3_SIGNED_CACHE } from './fixtures.js';

const id = (target: string, platform = 'linux'): BinaryIdentity => ({
  name: 'x', version: '1', hash: 'a'.repeat(32), arch: { platform, os: 'os', target },
});

test('maps Spack targets to OCI platforms through their family', () => {
  const cases: [string, string][] = [
    ['icelake', 'amd64'], ['x86_64', 'amd64'], ['x86_64_v3', 'amd64'], ['zen4', 'amd64'],
    ['aarch64', 'arm64'], ['neoverse_v1', 'arm64'], ['a64fx', 'arm64'], ['m1', 'arm64'],
    ['ppc64le', 'ppc64le'], ['power9le', 'ppc64le'], ['power9', 'ppc64'],
    ['riscv64', 'riscv64'], ['u74mc', 'riscv64'], ['i686', '386'],
  ];
  for (const [target, architecture] of cases) assert.deepEqual(ociPlatform(id(target)), { os: 'linux', architecture }, target);
  assert.deepEqual(ociPlatform(id('m2', 'darwin')), { os: 'darwin', architecture: 'arm64' });
  // A target newer than the table finds its family through the parents Spack wrote into the spec.
  assert.deepEqual(ociPlatform(id('zen6'), ['zen5']), { os: 'linux', architecture: 'amd64' });
  assert.throws(() => ociPlatform(id('future_cpu')), /belongs to no CPU family/);
  assert.throws(() => ociPlatform(id('icelake', 'plan9')), /platform "plan9"/);
});

test('annotations describe the real greet-paks binary', async () => {
  const cache = await readBuildCache(SIGNED_CACHE);
  const greet = cache.specs.find((s) => s.name === 'greet-paks')!;
  assert.deepEqual(ociPlatform(greet), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(spackAnnotations(greet), {
    'dev.paks.spack.name': 'greet-paks',
    'dev.paks.spack.version': '1.0.0',
    'dev.paks.spack.hash': 'eus5xxlme3e4olqwzmc6dk5dp6hopdrj',
    'dev.paks.spack.os': 'debian12',
    'dev.paks.spack.target': 'icelake',
    'dev.paks.spack.compiler': 'gcc@12.2.0',
    'dev.paks.spack.target-family': 'x86_64_v4',
    'dev.paks.spack.libc': 'glibc@2.36',
    'dev.paks.spack.libc-prefix': '/usr',
  });
  assert.equal('dev.paks.spack.compiler' in spackAnnotations(id('x86_64')), false);
  // Without its DAG, nothing is said about the libc; with a DAG that has none, that is said.
  assert.equal('dev.paks.spack.libc' in spackAnnotations(id('x86_64')), false);
  assert.equal(spackAnnotations({ ...id('x86_64_v2'), libc: null })['dev.paks.spack.libc'], 'none');
});

test('annotations of the real Spack 1.1 greet-paks (spec v5): the libc reached through the libc virtual', async () => {
  const greet = (await readBuildCache(V3_SIGNED_CACHE)).specs.find((s) => s.name === 'greet-paks')!;
  const annotations = spackAnnotations(greet);
  assert.equal(annotations['dev.paks.spack.libc'], 'glibc@2.36');
  assert.equal(annotations['dev.paks.spack.libc-prefix'], '/usr');
  assert.equal(annotations['dev.paks.spack.target-family'], 'x86_64_v3');
});
