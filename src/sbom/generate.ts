import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PaksError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { mapWithConcurrency } from '../oci/pool.js';
import type { SpackRunner } from '../spack/runner.js';
import { parseFindOutput, type SpecDocument, type SpecNode } from '../spack/spec-json.js';
import { readBuildCache } from '../buildcache/read-build-cache.js';
import { paksVersion } from '../version.js';
import { cycloneDxFor } from './cyclonedx.js';
import { spdxFor } from './spdx.js';
import { sbomFileNames } from './file-names.js';
import type { PackageInfoByName } from './package-info.js';
import { packageInfoFor, parseSpackInfo } from './spack-info.js';

export type SbomFormat = 'cyclonedx' | 'spdx';

export interface SbomPair {
  cyclonedx: unknown;
  spdx: unknown;
}

/** Homepage, source URL and licence per package, as `spack info` states them (best effort). */
export async function packageInfoFromSpack(spack: SpackRunner, nodes: readonly SpecNode[]): Promise<PackageInfoByName> {
  const wanted = [...new Map(nodes.filter((n) => !n.external).map((n) => [n.name, n])).values()];
  const entries = await mapWithConcurrency(wanted, 4, async (node) => {
    const result = await spack.run(['info', node.name], { allowFailure: true });
    if (result.exitCode !== 0) return undefined;
    try {
      return [node.name, packageInfoFor(parseSpackInfo(result.stdout), node.version)] as const;
    } catch {
      return undefined;
    }
  });
  return Object.fromEntries(entries.filter((e): e is NonNullable<typeof e> => e !== undefined));
}

export function sbomsFor(document: SpecDocument, packageInfo: PackageInfoByName, timestamp: Date): SbomPair {
  const options = { packageInfo, timestamp, toolVersion: paksVersion() };
  return { cyclonedx: cycloneDxFor(document, options), spdx: spdxFor(document, options) };
}

/** Writes `<stem>.cdx.json` and `<stem>.spdx.json` beside every spec of a build cache. */
export async function writeCacheSboms(spack: SpackRunner, cacheDir: string, timestamp = new Date()): Promise<string[]> {
  const cache = await readBuildCache(cacheDir);
  const info = await packageInfoFromSpack(spack, cache.specs.flatMap((s) => s.document.spec.nodes));
  const written: string[] = [];
  for (const spec of cache.specs) {
    // Layout v2: build_cache/<stem>.cdx.json beside the spec file; v3: sbom/<name>-<version>-<hash>.cdx.json.
    const names = sbomFileNames(spec.sbomStem);
    const pair = sbomsFor(spec.document, info, timestamp);
    for (const [name, body] of [[names.cyclonedx, pair.cyclonedx], [names.spdx, pair.spdx]] as const) {
      const path = join(cacheDir, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, `${JSON.stringify(body, null, 2)}\n`);
      written.push(path);
    }
  }
  return written;
}

/** The installed spec's DAG, assembled from `spack find --json` (all installed nodes). */
export async function installedSpecDocument(spack: SpackRunner, hash: string): Promise<SpecDocument> {
  const all = await spack.run(['find', '--json'], { doing: 'list installed packages' });
  const byHash = new Map(parseFindOutput(all.stdout).map((node) => [node.hash, node]));
  const root = byHash.get(hash);
  if (!root) throw new PaksError('not-found', `No installed spec has the hash ${hash}.`);
  const nodes: SpecNode[] = [];
  const seen = new Set<string>();
  const visit = (node: SpecNode) => {
    if (seen.has(node.hash)) return;
    seen.add(node.hash);
    // Build dependencies may have been removed since: the SBOM lists what is installed.
    const present = (node.dependencies ?? []).filter((d) => byHash.has(d.hash));
    nodes.push({ ...node, dependencies: present });
    for (const dep of present) visit(byHash.get(dep.hash)!);
  };
  visit(root);
  return { spec: { _meta: { version: 4 }, nodes } } as SpecDocument;
}

/** Writes both SBOMs of an installed spec into `<prefix>/.spack/`; returns the CycloneDX path. */
export async function writeInstalledSboms(prefix: string, pair: SbomPair): Promise<string> {
  const dir = join(prefix, '.spack');
  await mkdir(dir, { recursive: true });
  const cdx = join(dir, 'paks-sbom.cdx.json');
  await writeFile(cdx, `${JSON.stringify(pair.cyclonedx, null, 2)}\n`);
  await writeFile(join(dir, 'paks-sbom.spdx.json'), `${JSON.stringify(pair.spdx, null, 2)}\n`);
  return cdx;
}
