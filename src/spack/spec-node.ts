/**
 * Reading fields of a parsed spec node. Kept apart from spec-json.ts, whose zod schemas load
 * only where Spack's JSON is parsed, so code that only reads nodes does not wait for them.
 */
import type { Arch, Dependency, DependencyType, SpecDocument, SpecNode } from './spec-json.js';

/** The spec a document describes: Spack writes the root node first. */
export function rootNode(document: SpecDocument): SpecNode {
  return document.spec.nodes[0]!;
}

export function targetName(arch: Arch): string {
  return typeof arch.target === 'string' ? arch.target : arch.target.name;
}

/** The direct parents a target object carries (Spack writes them into the spec). */
export function targetParents(arch: Arch): string[] {
  return typeof arch.target === 'string' ? [] : (arch.target.parents ?? []);
}

export function dependencyTypes(dependency: Dependency): DependencyType[] {
  return dependency.parameters?.deptypes ?? dependency.type ?? [];
}

/** `gcc@12.2.0`, the way Spack writes a compiler in a spec string. */
export function compilerLabel(compiler: { name: string; version: string } | undefined): string | undefined {
  return compiler ? `${compiler.name}@${compiler.version}` : undefined;
}
