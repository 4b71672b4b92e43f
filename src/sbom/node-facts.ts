/** The build facts of one spec node, as name/value pairs both SBOM formats record. */
import { compilerLabel, targetName, type SpecNode } from '../spack/spec-json.js';
import { compilerOf } from '../spec/compiler.js';

export interface Fact {
  name: string;
  value: string;
}

const FLAGS = new Set(['cflags', 'cppflags', 'cxxflags', 'fflags', 'ldflags', 'ldlibs']);

function show(value: unknown): string {
  if (Array.isArray(value)) return value.map(show).join(',');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** `spack:hash`, `spack:compiler`, `spack:variant:<name>`, ... sorted by name. */
export function nodeFacts(node: SpecNode, nodesByHash: ReadonlyMap<string, SpecNode> = new Map()): Fact[] {
  const facts: Fact[] = [
    { name: 'spack:hash', value: node.hash },
    { name: 'spack:arch', value: `${node.arch.platform}-${node.arch.platform_os}-${targetName(node.arch)}` },
    { name: 'spack:platform', value: node.arch.platform },
    { name: 'spack:os', value: node.arch.platform_os },
    { name: 'spack:target', value: targetName(node.arch) },
  ];
  if (node.package_hash) facts.push({ name: 'spack:package_hash', value: node.package_hash });
  if (node.namespace) facts.push({ name: 'spack:namespace', value: node.namespace });
  // Spack 1.x: the compiler is a dependency node of the same document.
  const compiler = compilerLabel(compilerOf(node, nodesByHash));
  if (compiler) facts.push({ name: 'spack:compiler', value: compiler });
  for (const [key, value] of Object.entries(node.parameters)) {
    if (key === 'patches') continue; // reported once, below
    if (Array.isArray(value) && value.length === 0) continue;
    facts.push({ name: `spack:${FLAGS.has(key) ? 'flag' : 'variant'}:${key}`, value: show(value) });
  }
  if (node.patches?.length) facts.push({ name: 'spack:patches', value: node.patches.join(',') });
  if (node.external) {
    facts.push({ name: 'spack:external', value: 'true' });
    if (node.external.path) facts.push({ name: 'spack:external:path', value: node.external.path });
    if (typeof node.external.module === 'string') facts.push({ name: 'spack:external:module', value: node.external.module });
  }
  return facts.sort((a, b) => a.name.localeCompare(b.name) || a.value.localeCompare(b.value));
}
