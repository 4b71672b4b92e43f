/** The spec DAG of one document as nodes and typed edges, checked to be complete. */
import { PaksError } from '../errors.js';
import { dependencyTypes, rootNode, type DependencyType, type SpecDocument, type SpecNode } from '../spack/spec-json.js';

export interface SpecEdge {
  from: SpecNode;
  to: SpecNode;
  types: DependencyType[];
  virtuals: string[];
}

export interface SpecGraph {
  root: SpecNode;
  /** Every node once, the root first, then by name and hash. */
  nodes: SpecNode[];
  /** Sorted by dependent, then dependency (name, hash). */
  edges: SpecEdge[];
  /** Nodes the root needs when it runs: reachable from it through link and run edges only. */
  runtime: Set<SpecNode>;
}

const byNameAndHash = (a: SpecNode, b: SpecNode) => a.name.localeCompare(b.name) || a.hash.localeCompare(b.hash);
const TYPE_ORDER: DependencyType[] = ['build', 'link', 'run', 'test'];

export function specGraph(document: SpecDocument): SpecGraph {
  const root = rootNode(document);
  const byHash = new Map<string, SpecNode>();
  for (const node of document.spec.nodes) if (!byHash.has(node.hash)) byHash.set(node.hash, node);
  const nodes = [root, ...[...byHash.values()].filter((n) => n !== root).sort(byNameAndHash)];

  const edges: SpecEdge[] = [];
  for (const from of nodes) {
    for (const dependency of from.dependencies) {
      const to = byHash.get(dependency.hash);
      if (!to) {
        throw new PaksError(
          'spack',
          `The spec of ${root.name}/${root.hash.slice(0, 7)} is incomplete: ${from.name} depends on ${dependency.name}/${dependency.hash.slice(0, 7)}, which it does not include`,
        );
      }
      const types = TYPE_ORDER.filter((t) => dependencyTypes(dependency).includes(t));
      edges.push({ from, to, types, virtuals: [...(dependency.parameters?.virtuals ?? [])].sort() });
    }
  }
  edges.sort((a, b) => byNameAndHash(a.from, b.from) || byNameAndHash(a.to, b.to));

  const runtime = new Set<SpecNode>([root]);
  const queue = [root];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const edge of edges) {
      if (edge.from !== node || runtime.has(edge.to)) continue;
      if (edge.types.some((t) => t === 'link' || t === 'run')) {
        runtime.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  return { root, nodes, edges, runtime };
}
