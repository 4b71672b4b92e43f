/**
 * A real-shaped layout-v2 Spack build cache for the benchmarks: N specs in a dependency chain
 * (each links the two before it), unsigned spec files with every node of its closure, CycloneDX
 * and SPDX files beside them, index.json, and `.spack` tarballs (gzip tars of a prefix; half
 * random bytes, half text, so they compress about 2:1 like binaries do).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
// @ts-expect-error the stand-in's tar writer is plain JavaScript
import { createTar } from '../test/spack-standin/lib/tar.mjs';

const ARCH = { platform: 'linux', platform_os: 'debian12', target: 'x86_64_v3' };
const COMPILER = { name: 'gcc', version: '12.2.0' };

const hashOf = (i: number) => createHash('sha1').update(`pkg${i}`).digest().toString('hex').replace(/[^a-z2-7]/g, 'a').slice(0, 32).padEnd(32, 'a');

function node(i: number): Record<string, unknown> {
  const deps = [i - 1, i - 2].filter((d) => d >= 0).map((d) => ({ name: `pkg${d}`, hash: hashOf(d), parameters: { deptypes: ['build', 'link'], virtuals: [] } }));
  return { name: `pkg${i}`, version: '1.0', arch: ARCH, compiler: COMPILER, namespace: 'builtin', parameters: { build_system: 'generic', cflags: [], cppflags: [], cxxflags: [], fflags: [], ldflags: [], ldlibs: [] }, package_hash: 'x'.repeat(32), ...(deps.length ? { dependencies: deps } : {}), hash: hashOf(i) };
}

function closure(i: number): number[] {
  const seen = new Set<number>();
  const walk = (n: number) => {
    if (n < 0 || seen.has(n)) return;
    seen.add(n);
    walk(n - 1);
    walk(n - 2);
  };
  walk(i);
  return [...seen].sort((a, b) => b - a);
}

export function generateSpackCache(dir: string, size: { specs: number; totalBytes: number }): void {
  const per = Math.floor(size.totalBytes / size.specs);
  const installs: Record<string, unknown> = {};
  for (let i = 0; i < size.specs; i++) {
    const stem = `linux-debian12-x86_64_v3-gcc-12.2.0-pkg${i}-1.0-${hashOf(i)}`;
    const prefix = `opt/spack/linux-debian12-x86_64_v3/gcc-12.2.0/pkg${i}-1.0-${hashOf(i)}`;
    const parts = prefix.split('/');
    const entries: unknown[] = parts.map((_, k) => ({ name: parts.slice(0, k + 1).join('/'), type: 'dir', mode: 0o755 }));
    const payload = Buffer.concat([randomBytes(per / 2), Buffer.from('text '.repeat(per / 10))]);
    entries.push({ name: `${prefix}/bin`, type: 'dir', mode: 0o755 }, { name: `${prefix}/bin/pkg${i}`, type: 'file', mode: 0o755, data: payload });
    entries.push({ name: `${prefix}/.spack`, type: 'dir', mode: 0o755 }, { name: `${prefix}/.spack/binary_distribution`, type: 'file', mode: 0o644, data: Buffer.from('relative_prefix: x\n') });
    const tarball = gzipSync(createTar(entries), { level: 6 });
    const checksum = createHash('sha256').update(tarball).digest('hex');
    const spec = { spec: { _meta: { version: 4 }, nodes: closure(i).map(node) }, buildcache_layout_version: 2, binary_cache_checksum: { hash_algorithm: 'sha256', hash: checksum } };
    mkdirSync(join(dir, 'build_cache', 'linux-debian12-x86_64_v3', 'gcc-12.2.0', `pkg${i}-1.0`), { recursive: true });
    writeFileSync(join(dir, 'build_cache', 'linux-debian12-x86_64_v3', 'gcc-12.2.0', `pkg${i}-1.0`, `${stem}.spack`), tarball);
    writeFileSync(join(dir, 'build_cache', `${stem}.spec.json`), JSON.stringify(spec));
    // SBOMs beside each spec, as paks build writes them (they become referrers of the image).
    writeFileSync(join(dir, 'build_cache', `${stem}.cdx.json`), JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: closure(i).map((n) => ({ name: `pkg${n}`, version: '1.0', purl: `pkg:generic/pkg${n}@1.0`, hashes: [{ alg: 'SHA-256', content: 'x'.repeat(64) }] })) }, null, 2));
    writeFileSync(join(dir, 'build_cache', `${stem}.spdx.json`), JSON.stringify({ spdxVersion: 'SPDX-2.3', packages: closure(i).map((n) => ({ name: `pkg${n}`, versionInfo: '1.0', SPDXID: `SPDXRef-pkg${n}`, checksums: [{ algorithm: 'SHA256', checksumValue: 'x'.repeat(64) }] })) }, null, 2));
    installs[hashOf(i)] = { spec: node(i), ref_count: 0, in_buildcache: true };
  }
  writeFileSync(join(dir, 'build_cache', 'index.json'), JSON.stringify({ database: { version: '7', installs } }));
}

