import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { readBuildCache } from '../../src/buildcache/read-build-cache.js';
import { binaryFacts, describeNoFit, judgeBinary, rankCandidates, type BinaryFacts, type HostFacts } from '../../src/compatibility/index.js';
import type { SpecNode } from '../../src/spack/spec-json.js';
import { UNSIGNED_CACHE, V3_SIGNED_CACHE } from '../buildcache/fixtures.js';

const CROSS = JSON.parse(await readFile(new URL('../fixtures/compatibility/cross-glibc.json', import.meta.url), 'utf8')) as {
  hosts: Record<string, Omit<HostFacts, 'platform'>>;
  cases: Array<{ transcript: string; host: string; binary: BinaryFacts; concretize: 'refused' | 'reused' }>;
};

/** The recorded greet-paks spec of each dialect (0.23: spec v4 from a layout-v2 cache; 1.1: spec v5 from layout v3). */
const dialects = {
  '0.23': (await readBuildCache(UNSIGNED_CACHE)).specs.find((s) => s.name === 'greet-paks')!.document.spec.nodes,
  '1.1': (await readBuildCache(V3_SIGNED_CACHE)).specs.find((s) => s.name === 'greet-paks')!.document.spec.nodes,
};

const debian12: HostFacts = { platform: 'linux', os: 'debian12', target: 'icelake', libc: { name: 'glibc', version: '2.36', prefix: '/usr' } };

/** The recorded DAG as if built elsewhere: another os string, another libc. */
function rebuilt(nodes: readonly SpecNode[], change: { os?: string; libc?: { name?: string; version?: string; prefix?: string }; target?: string }): SpecNode[] {
  const copy = structuredClone(nodes) as SpecNode[];
  const libcHashes = new Set(copy.flatMap((n) => n.dependencies.filter((d) => d.parameters?.virtuals?.includes('libc')).map((d) => d.hash)));
  for (const node of copy) {
    if (change.os) node.arch.platform_os = change.os;
    if (change.target && !node.external) node.arch.target = change.target;
    if (libcHashes.has(node.hash) && change.libc) {
      if (change.libc.name) node.name = change.libc.name;
      if (change.libc.version) node.version = change.libc.version;
      if (change.libc.prefix) node.external = { ...node.external, path: change.libc.prefix };
    }
  }
  return copy;
}

for (const [dialect, nodes] of Object.entries(dialects)) {
  describe(`judging recorded Spack ${dialect} specs`, () => {
    const target = binaryFacts(nodes).target;
    const host = { ...debian12, target };

    test('the libc comes from the libc virtual of the DAG', () => {
      assert.deepEqual(binaryFacts(nodes).libc, { name: 'glibc', version: '2.36', prefix: '/usr' });
    });

    test('another os string is no reason to refuse on Linux: equal and older glibc are taken', () => {
      for (const os of ['debian12', 'ubuntu22.04', 'rocky9']) {
        for (const version of ['2.36', '2.28']) {
          const verdict = judgeBinary(rebuilt(nodes, { os, libc: { version } }), host);
          assert.equal(verdict.fits, true, `${os} glibc ${version}`);
        }
      }
    });

    test('a newer glibc is refused with the reason', () => {
      const verdict = judgeBinary(rebuilt(nodes, { os: 'debian13', libc: { version: '2.41' } }), host);
      assert.deepEqual(verdict.fits ? undefined : verdict.reason, 'needs glibc 2.41, newer than this machine\'s 2.36');
    });

    test('musl never for glibc, nor a libc at another prefix', () => {
      const musl = judgeBinary(rebuilt(nodes, { libc: { name: 'musl', version: '1.2.3' } }), host);
      assert.equal(musl.fits ? undefined : musl.reason, 'is built against musl 1.2.3; this machine has glibc 2.36');
      const elsewhere = judgeBinary(rebuilt(nodes, { libc: { prefix: '/opt/glibc' } }), host);
      assert.equal(elsewhere.fits ? undefined : elsewhere.reason, 'is built against the glibc in /opt/glibc; this machine\'s is in /usr');
      const muslHost: HostFacts = { platform: 'linux', os: 'alpine3', target, libc: { name: 'musl', version: '1.2.5', prefix: '/' } };
      assert.equal(judgeBinary(nodes, muslHost).fits, false);
    });

    test('an explicit os= in the request is honoured', () => {
      const other = rebuilt(nodes, { os: 'ubuntu22.04' });
      assert.equal(judgeBinary(other, host, { os: 'ubuntu22.04' }).fits, true);
      const refused = judgeBinary(other, host, { os: 'debian12' });
      assert.equal(refused.fits ? undefined : refused.reason, 'is for os=ubuntu22.04; you asked os=debian12');
    });

    test('a target the host cannot run is refused; a host without a known libc matches by os', () => {
      const old = judgeBinary(nodes, { ...host, target: 'haswell' });
      assert.equal(old.fits ? undefined : old.reason, `is built for ${target}, which this haswell machine cannot run`);
      const noLibc = { platform: 'linux', os: 'debian12', target };
      assert.equal(judgeBinary(nodes, noLibc).fits, true);
      const otherOs = judgeBinary(rebuilt(nodes, { os: 'ubuntu22.04' }), noLibc);
      assert.equal(otherOs.fits ? undefined : otherOs.reason, 'is for linux-ubuntu22.04; this machine is linux-debian12');
    });
  });
}

describe('the rules Spack 1.1 follows (recordings 160–160e)', () => {
  for (const c of CROSS.cases) {
    test(`${c.transcript}: ${c.binary.os} binary on ${c.host}: ${c.concretize}`, () => {
      const host = { platform: 'linux', ...CROSS.hosts[c.host]! } as HostFacts;
      const verdict = judgeBinary({ platform: 'linux', ...c.binary }, host);
      // 160e: no libc in the DAG; Spack reuses it unchecked, Paks matches it by os (it runs: the os differs only in name).
      const expected = c.binary.libc === null ? false : c.concretize === 'reused';
      assert.equal(verdict.fits, expected);
    });
  }
});

describe('preference and the one-line answer', () => {
  const host: HostFacts = { platform: 'linux', os: 'ubuntu24.04', target: 'haswell', libc: { name: 'glibc', version: '2.39', prefix: '/usr' } };
  const facts = (os: string, version: string | null, target: string): BinaryFacts => ({ platform: 'linux', os, target, libc: version ? { name: 'glibc', version, prefix: '/usr' } : null });

  test('same os first, then the newest libc, then the most specific target', () => {
    const candidates = [facts('rocky8', '2.28', 'x86_64_v3'), facts('debian12', '2.36', 'x86_64_v2'), facts('debian12', '2.36', 'haswell'), facts('ubuntu24.04', '2.28', 'x86_64'), facts('debian13', '2.41', 'x86_64_v2')];
    const { fitting, refused } = rankCandidates(candidates, (c) => c, host);
    assert.deepEqual(fitting.map((f) => `${f.candidate.os}/${f.candidate.target}`), ['ubuntu24.04/x86_64', 'debian12/haswell', 'debian12/x86_64_v2', 'rocky8/x86_64_v3']);
    assert.deepEqual(refused.map((r) => r.reason), ["needs glibc 2.41, newer than this machine's 2.39"]);
  });

  test('nothing fits: what the host is and what the registry offers', () => {
    const old: HostFacts = { platform: 'linux', os: 'debian11', target: 'haswell', libc: { name: 'glibc', version: '2.31', prefix: '/usr' } };
    const offers = [facts('ubuntu22.04', '2.35', 'x86_64_v3'), facts('debian12', '2.36', 'x86_64_v3'), facts('debian12', '2.36', 'zen2')];
    assert.equal(describeNoFit('mytool', old, offers), 'no binary of mytool fits this machine (glibc 2.31, haswell): the registry has glibc ≥ 2.35 for x86_64_v3');
  });
});
