/**
 * A synthetic Spack build-cache index of any size, written as a stream (never held in
 * memory): install records shaped like the real db v8 index of the Spack 1.1 recording
 * (test/fixtures/buildcache/v3-signed, its index blob), with made-up names and hashes.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const FEATURES = ['abm', 'aes', 'avx', 'avx2', 'bmi1', 'bmi2', 'clflushopt', 'clwb', 'cx16', 'f16c', 'fma', 'fsgsbase', 'mmx', 'movbe', 'pclmulqdq', 'popcnt', 'sse', 'sse2', 'sse3', 'sse4_1', 'sse4_2', 'ssse3', 'xsave'];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function syntheticHash(seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < 32; i++) out += ALPHABET[bytes[i]! & 31];
  return out;
}

export interface SyntheticIndexOptions {
  specs: number;
  /** How many distinct package names (default specs / 20). */
  packages?: number;
  /** Database version: "8" (layout v3) or "7" (layout v2, whose nodes carry a compiler). */
  database?: '7' | '8';
  /** Records the index must hold besides the synthetic ones: hash → record. */
  extra?: Record<string, unknown>;
}

function record(i: number, packages: number, database: '7' | '8'): [string, unknown] {
  const name = `pkg-${i % packages}`;
  const hash = syntheticHash(`spec-${i}`);
  // Each package is built for every target and two OSes, as a real stack's are.
  const round = Math.floor(i / packages);
  const target = ['x86_64', 'x86_64_v3', 'zen2', 'icelake'][round % 4]!;
  const spec: Record<string, unknown> = {
    name,
    version: `${1 + (i % 7)}.${i % 13}.${i % 5}`,
    arch: { platform: 'linux', platform_os: round % 3 === 0 ? 'ubuntu22.04' : 'debian12', target: { name: target, vendor: 'GenuineIntel', features: FEATURES, generation: 0, parents: ['x86_64'] } },
    namespace: 'builtin',
    parameters: { build_system: 'generic', cflags: [], cppflags: [], cxxflags: [], fflags: [], ldflags: [], ldlibs: [], shared: true, pic: true },
    package_hash: syntheticHash(`package-${i}`),
    dependencies: [1, 2, 3].map((d) => ({ name: `pkg-${(i + d) % packages}`, hash: syntheticHash(`spec-${i + d}`), parameters: { deptypes: ['build', 'link'], virtuals: [] } })),
    annotations: { original_specfile_version: 5 },
    hash,
  };
  if (database === '7') spec.compiler = { name: 'gcc', version: '12.2.0' };
  return [hash, { spec, ref_count: 1, in_buildcache: true }];
}

/** Writes the index to `file`; returns its sha256 and size. */
export async function writeSyntheticIndex(file: string, options: SyntheticIndexOptions): Promise<{ sha256: string; size: number }> {
  const database = options.database ?? '8';
  const packages = options.packages ?? Math.max(1, Math.floor(options.specs / 20));
  const out = createWriteStream(file);
  const hash = createHash('sha256');
  let size = 0;
  const write = async (text: string) => {
    const bytes = Buffer.from(text);
    hash.update(bytes);
    size += bytes.length;
    if (!out.write(bytes)) await once(out, 'drain');
  };
  await write(`{"database":{"version":"${database}","installs":{`);
  let first = true;
  const entries = function* () {
    for (let i = 0; i < options.specs; i++) yield record(i, packages, database);
    yield* Object.entries(options.extra ?? {});
  };
  for (const [key, value] of entries()) {
    await write(`${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(value)}`);
    first = false;
  }
  await write('}}}');
  out.end();
  await once(out, 'finish');
  return { sha256: hash.digest('hex'), size };
}
