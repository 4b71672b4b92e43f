import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MICROARCHITECTURE_PARENTS } from '../../src/buildcache/microarchitectures.js';
import { canRun, genericTarget, targetAncestors, targetFamily } from '../../src/buildcache/target-compatibility.js';
import { rankCandidates } from '../../src/compatibility/index.js';

test('the embedded table is a DAG whose parents are all known', () => {
  for (const [name, parents] of Object.entries(MICROARCHITECTURE_PARENTS)) {
    for (const parent of parents) assert.ok(parent in MICROARCHITECTURE_PARENTS, `${name} -> ${parent}`);
    assert.ok(!targetAncestors(name).has(name) || targetAncestors(name).get(name) === 0);
  }
  for (const name of ['x86_64_v4', 'haswell', 'skylake_avx512', 'cascadelake', 'icelake', 'sapphirerapids', 'zen', 'zen4', 'neoverse_n1', 'neoverse_v1', 'neoverse_v2', 'a64fx', 'm1', 'm2', 'power9le', 'u74mc']) {
    assert.ok(name in MICROARCHITECTURE_PARENTS, name);
  }
});

test('canRun: a binary runs on its own target and on descendants only', () => {
  // The recorded host: icelake (parents cascadelake, cannonlake).
  for (const binary of ['icelake', 'cascadelake', 'cannonlake', 'skylake_avx512', 'skylake', 'haswell', 'x86_64_v4', 'x86_64_v3', 'x86_64_v2', 'x86_64', 'nehalem', 'core2']) {
    assert.equal(canRun('icelake', binary), true, binary);
  }
  for (const binary of ['sapphirerapids', 'zen', 'zen4', 'aarch64', 'alderlake', 'mic_knl']) {
    assert.equal(canRun('icelake', binary), false, binary);
  }
  assert.equal(canRun('zen4', 'x86_64_v4'), true);
  assert.equal(canRun('zen3', 'x86_64_v4'), false);
  assert.equal(canRun('zen2', 'haswell'), false);
  assert.equal(canRun('haswell', 'icelake'), false);
  assert.equal(canRun('neoverse_v2', 'neoverse_n1'), true);
  assert.equal(canRun('neoverse_v2', 'aarch64'), true);
  assert.equal(canRun('neoverse_n1', 'neoverse_v1'), false);
  assert.equal(canRun('a64fx', 'armv8.2a'), true);
  assert.equal(canRun('m2', 'm1'), true);
  assert.equal(canRun('m1', 'x86_64'), false);
  assert.equal(canRun('power10le', 'power9le'), true);
  assert.equal(canRun('power9le', 'ppc64'), false);
});

test('a generic family target runs on any member; unknown targets match only exactly', () => {
  for (const host of ['x86_64_v2', 'haswell', 'zen5', 'sapphirerapids', 'arrowlake_s']) assert.equal(canRun(host, 'x86_64'), true, host);
  for (const host of ['neoverse_v3ae', 'm4', 'thunderx2', 'ampere1a']) assert.equal(canRun(host, 'aarch64'), true, host);
  assert.equal(canRun('future_cpu', 'future_cpu'), true);
  assert.equal(canRun('future_cpu', 'x86_64'), false);
  assert.equal(canRun('icelake', 'future_cpu'), false);
  assert.equal(targetFamily('icelake'), 'x86_64');
  assert.equal(targetFamily('neoverse_v1'), 'aarch64');
  assert.equal(targetFamily('zen6', ['zen5']), 'x86_64');
  assert.equal(targetFamily('future_cpu'), undefined);
});

test('rankCandidates: exact target first, then nearer ancestors; the same OS preferred; incompatible dropped', () => {
  const glibc = { name: 'glibc', version: '2.36', prefix: '/usr' };
  const bin = (target: string, os = 'debian12') => ({ id: `${target}/${os}`, facts: { platform: 'linux', os, target, libc: glibc } });
  const host = { platform: 'linux', target: 'icelake', os: 'debian12', libc: glibc };
  const ranked = rankCandidates([bin('x86_64'), bin('zen4'), bin('x86_64_v3'), bin('icelake', 'rhel9'), bin('icelake'), bin('skylake_avx512'), bin('aarch64')], (b) => b.facts, host).fitting;
  assert.deepEqual(ranked.map((b) => b.candidate.id), ['icelake/debian12', 'skylake_avx512/debian12', 'x86_64_v3/debian12', 'x86_64/debian12', 'icelake/rhel9']);
  const future = rankCandidates([bin('x86_64'), bin('future_cpu')], (b) => b.facts, { ...host, target: 'future_cpu' }).fitting;
  assert.deepEqual(future.map((b) => b.candidate.id), ['future_cpu/debian12']);
});

test('genericTarget: the generic level a binary needs', () => {
  assert.equal(genericTarget('icelake'), 'x86_64_v4');
  assert.equal(genericTarget('zen2'), 'x86_64_v3');
  assert.equal(genericTarget('haswell'), 'x86_64_v3');
  assert.equal(genericTarget('x86_64_v2'), 'x86_64_v2');
  assert.equal(genericTarget('neoverse_n1'), 'armv8.2a');
  assert.equal(genericTarget('aarch64'), 'aarch64');
});
