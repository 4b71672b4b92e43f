/** Which specs become layers of a spec's image, and in which order (Spack's rule). */
import { dependencyTypes, type SpecNode } from '../spack/spec-json.js';

/**
 * The link/run closure of `roots` in Spack's topological order (every node after all its
 * parents; children in the order the spec lists them), externals included. Spack's image
 * layers are this list reversed, without externals: dependencies first.
 */
export function runtimeClosureTopo(nodes: readonly SpecNode[], roots: readonly string[]): SpecNode[] {
  const byHash = new Map(nodes.map((n) => [n.hash, n]));
  // Each node's children are asked for three times below: worked out once (a push asks for every spec's closure).
  const known = new Map<string, string[]>();
  const children = (node: SpecNode) => {
    let hashes = known.get(node.hash);
    if (!hashes) {
      hashes = node.dependencies.filter((d) => dependencyTypes(d).some((t) => t === 'link' || t === 'run')).map((d) => d.hash).filter((h) => byHash.has(h));
      known.set(node.hash, hashes);
    }
    return hashes;
  };
  // In-degrees within the closure reachable from the roots.
  const reachable = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const hash = stack.pop()!;
    if (reachable.has(hash) || !byHash.has(hash)) continue;
    reachable.add(hash);
    stack.push(...children(byHash.get(hash)!));
  }
  const indegree = new Map<string, number>([...reachable].map((h) => [h, 0]));
  for (const hash of reachable) for (const child of children(byHash.get(hash)!)) indegree.set(child, indegree.get(child)! + 1);
  const queue = roots.filter((h) => reachable.has(h) && indegree.get(h) === 0);
  const order: SpecNode[] = [];
  while (queue.length) {
    const node = byHash.get(queue.shift()!)!;
    order.push(node);
    for (const child of children(node)) {
      const left = indegree.get(child)! - 1;
      indegree.set(child, left);
      if (left === 0) queue.push(child);
    }
  }
  return order;
}

/** The nodes that get a layer, dependencies first. */
export function layerNodes(nodes: readonly SpecNode[], roots: readonly string[]): SpecNode[] {
  return runtimeClosureTopo(nodes, roots).reverse().filter((n) => !n.external);
}
