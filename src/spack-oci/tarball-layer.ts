/**
 * What an image needs to know about a `.spack` tarball, read in one streaming pass: the
 * sha256 of its uncompressed bytes (the layer's `diff_id`), the install prefix it unpacks to,
 * and which directories it has (for the run environment). The tarball is Spack's layer as is:
 * its entries are the prefix at its build path without the leading `/`.
 */
import { createHash } from 'node:crypto';
import { PREFIX_INSPECTIONS } from './run-environment.js';
import { walkTar } from '../buildcache/tar-entries.js';

export interface TarballLayer {
  diffId: string;
  /** Absolute install prefix, from the `<prefix>/.spack/binary_distribution` entry. */
  prefix: string | undefined;
  /** Which of Spack's prefix-inspection folders (`bin`, `share/man`, …) the prefix has. */
  inspected: ReadonlySet<string>;
}

/** One line for a cache: `<diffId>|<prefix>|<folder>,<folder>`. */
export function encodeTarballLayer(layer: TarballLayer): string {
  return `${layer.diffId}|${layer.prefix ?? ''}|${[...layer.inspected].join(',')}`;
}

export function decodeTarballLayer(text: string): TarballLayer | undefined {
  const [diffId, prefix, inspected] = text.split('|');
  if (!diffId?.startsWith('sha256:') || prefix === undefined || inspected === undefined) return undefined;
  return { diffId, prefix: prefix || undefined, inspected: new Set(inspected ? inspected.split(',') : []) };
}

export async function readTarballLayer(path: string): Promise<TarballLayer> {
  const hash = createHash('sha256');
  const directories = new Set<string>();
  let prefix: string | undefined;
  await walkTar(path, {
    onChunk: (chunk) => hash.update(chunk),
    onEntry: (name, type) => {
      const clean = `/${name.replace(/^\.?\/+/, '').replace(/\/+$/, '')}`;
      if (type === '5') directories.add(clean);
      if (clean.endsWith('/.spack/binary_distribution')) prefix = clean.slice(0, -'/.spack/binary_distribution'.length);
      return false;
    },
  });
  const inspected = new Set(PREFIX_INSPECTIONS.map(([rel]) => rel).filter((rel) => rel && prefix !== undefined && directories.has(`${prefix}/${rel}`)));
  return { diffId: `sha256:${hash.digest('hex')}`, prefix, inspected };
}
