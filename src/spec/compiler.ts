import type { Compiler, SpecNode } from '../spack/spec-json.js';

const COMPILER_VIRTUALS = new Set(['c', 'cxx', 'fortran']);

/**
 * The compiler a node was built with. Spack 0.23 (spec format v4) writes it on the node;
 * Spack 1.x (v5) drops that field and links the compiler as the dependency that provides
 * the c, cxx or fortran virtual. Externals, gcc-runtime and compiler-wrapper have none.
 * The one place Paks reads a compiler: list, SBOM, cache layout and satisfaction use it.
 */
export function compilerOf(node: SpecNode, nodesByHash: ReadonlyMap<string, SpecNode>): Compiler | undefined {
  if (node.compiler) return { name: node.compiler.name, version: node.compiler.version };
  const edge = compilerEdge(node);
  if (!edge) return undefined;
  const compiler = nodesByHash.get(edge.hash);
  return compiler ? { name: compiler.name, version: compiler.version } : undefined;
}

/** Spack 1.x: the dependency that provides c, cxx or fortran (none for externals and runtimes). */
export function compilerEdge(node: SpecNode): { name: string; hash: string } | undefined {
  return (node.dependencies ?? []).find((d) => d.parameters?.virtuals?.some((v) => COMPILER_VIRTUALS.has(v)));
}

export function nodesByHash(nodes: readonly SpecNode[]): Map<string, SpecNode> {
  return new Map(nodes.map((n) => [n.hash, n]));
}
