import type { SpecNode } from '../spack/spec-json.js';
import { dependencyTypes } from '../spack/spec-node.js';
import { compareVersions } from './version-range.js';

/** The C library a binary was linked against, as Spack records it: an external glibc or musl. */
export interface LibcNode {
  name: string;
  version: string;
  /** The external's prefix (`/usr`); Spack reuses a binary only with a libc at the same place. */
  prefix?: string;
}

/**
 * The libc of a binary: the nodes its link/run DAG reaches through an edge providing the `libc`
 * virtual (Spack 0.23 spec v4 and 1.x spec v5 write it the same way), the newest if several.
 * `undefined` when the DAG records none: a package that names no compiled language has no
 * compiler, so no libc edge (Spack 1.1 transcript 160e).
 */
export function libcOf(root: SpecNode, nodesByHash: ReadonlyMap<string, SpecNode>): LibcNode | undefined {
  let best: LibcNode | undefined;
  const seen = new Set<string>([root.hash]);
  const queue = [root];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const edge of node.dependencies ?? []) {
      const types = dependencyTypes(edge);
      if (!types.includes('link') && !types.includes('run')) continue;
      const child = nodesByHash.get(edge.hash);
      if (!child) continue;
      if (edge.parameters?.virtuals?.includes('libc')) {
        const found: LibcNode = { name: child.name, version: child.version, ...(child.external?.path ? { prefix: child.external.path } : {}) };
        if (!best || compareVersions(found.version, best.version) > 0) best = found;
      }
      if (seen.has(child.hash)) continue;
      seen.add(child.hash);
      queue.push(child);
    }
  }
  return best;
}

/** `glibc@2.36`, the way Spack writes it. */
export function libcLabel(libc: LibcNode): string {
  return `${libc.name}@${libc.version}`;
}
