/**
 * The compiler of a spec node. Spack 0.23 writes it on the node (`compiler: {name,
 * version}`); Spack 1.x makes compilers dependencies: the edge whose `virtuals` name a
 * language (c, cxx, fortran) leads to the compiler's node. Externals, gcc-runtime and
 * compiler-wrapper have none.
 */
import type { SpecNode } from '../spec-json.js';

export interface NodeCompiler {
  name: string;
  version: string;
}

const LANGUAGES = ['c', 'cxx', 'fortran'];

export function compilerOf(node: SpecNode, nodesByHash: ReadonlyMap<string, SpecNode>): NodeCompiler | undefined {
  if (node.compiler) return { name: node.compiler.name, version: node.compiler.version };
  const edge = (node.dependencies ?? []).find((d) => (d.parameters?.virtuals ?? []).some((v) => LANGUAGES.includes(v)));
  const compiler = edge ? nodesByHash.get(edge.hash) : undefined;
  return compiler ? { name: compiler.name, version: compiler.version } : undefined;
}

export function nodesByHash(nodes: readonly SpecNode[]): Map<string, SpecNode> {
  return new Map(nodes.map((n) => [n.hash, n]));
}

/**
 * Compilers in `spack compiler list`: 0.23 prints `gcc@12.2.0` lines, 1.x prints them as
 * externals, `[e]  gcc@12.2.0`, under the same `-- gcc debian12-x86_64 ---` headers.
 */
export function parseCompilerList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim().replace(/^\[[a-z+\-]\]\s+/, ''))
    .filter((line) => /^[A-Za-z][\w.-]*@\S+$/.test(line));
}
