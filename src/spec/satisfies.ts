/**
 * Does a concrete spec (a node of a signed spec file and its DAG) satisfy what a request
 * asks? Pure functions over the parsed nodes of `src/spack/spec-json.ts`; the answer is
 * either nothing (it does) or the first reason it does not, in words for a person.
 */
import { targetName, type SpecNode } from '../spack/spec-json.js';
import { compilerOf } from './compiler.js';
import { formatAbstractSpec, type AbstractSpec } from './parse.js';
import { formatVersionList, versionSatisfies } from './version-range.js';

/** Why `node` does not satisfy `wanted` ("zlib is +shared; you asked ~shared"), or undefined when it does. */
export function unsatisfiedBecause(node: SpecNode, wanted: AbstractSpec, nodes: ReadonlyMap<string, SpecNode>): string | undefined {
  const own = nodeMismatch(node, wanted, nodes);
  if (own) return `${node.name} ${own.state}; you asked ${own.asked}`;
  for (const dependency of wanted.dependencies) {
    const asked = `^${formatAbstractSpec(dependency)}`;
    const candidates = dagNodes(node, nodes).filter((d) => d.hash !== node.hash && providesName(d, dependency.name, node, nodes));
    if (candidates.length === 0) return `${node.name} does not depend on ${dependency.name}; you asked ${asked}`;
    // The name matched already (perhaps as a virtual the node provides).
    const mismatches = candidates.map((c) => ({ c, m: nodeMismatch(c, { ...dependency, name: c.name }, nodes) }));
    if (mismatches.some(({ m }) => m === undefined)) continue;
    const { c, m } = mismatches[0]!;
    const detail = m!.attribute.startsWith('@') ? m!.attribute : `@${c.version}${m!.attribute.startsWith('%') || /^[+~]/.test(m!.attribute) ? '' : ' '}${m!.attribute}`;
    return `${node.name} depends on ${c.name}${detail}; you asked ${asked}`;
  }
  return undefined;
}

export function satisfies(node: SpecNode, wanted: AbstractSpec, nodes: ReadonlyMap<string, SpecNode>): boolean {
  return unsatisfiedBecause(node, wanted, nodes) === undefined;
}

interface Mismatch {
  /** "is +shared", "was built with %gcc@12.2.0" */
  state: string;
  /** What the node has, in spec syntax: "+shared", "@2.1.0", "%gcc@12.2.0", "os=debian12". */
  attribute: string;
  asked: string;
}

/** The constraints on one node (not its `^dependencies`). */
function nodeMismatch(node: SpecNode, wanted: AbstractSpec, nodes: ReadonlyMap<string, SpecNode>): Mismatch | undefined {
  const is = (attribute: string, asked: string, verb = 'is'): Mismatch => ({ state: `${verb} ${attribute}`, attribute, asked });
  if (wanted.name !== undefined && wanted.name !== node.name && !providesName(node, wanted.name, undefined, nodes)) return { state: `is not ${wanted.name}`, attribute: '', asked: wanted.name };
  if (wanted.namespace && node.namespace && wanted.namespace !== node.namespace) {
    return { state: `comes from the ${node.namespace} repository`, attribute: `(${node.namespace})`, asked: `${wanted.namespace}.${wanted.name}` };
  }
  if (wanted.versions && !versionSatisfies(node.version, wanted.versions)) return is(`@${node.version}`, `@${formatVersionList(wanted.versions)}`);
  if (wanted.hash && !node.hash.startsWith(wanted.hash)) return is(`/${node.hash.slice(0, 7)}`, `/${wanted.hash}`);
  for (const [key, value] of Object.entries(wanted.variants)) {
    const asked = typeof value === 'boolean' ? `${value ? '+' : '~'}${key}` : `${key}=${value.join(',')}`;
    if (!(key in node.parameters)) return { state: `has no variant ${key}`, attribute: `(no variant ${key})`, asked };
    const have = node.parameters[key];
    if (!variantMatches(have, value)) return is(describeVariant(key, have), asked);
  }
  if (wanted.compiler) {
    const compiler = compilerOf(node, nodes);
    const asked = `%${wanted.compiler.name}${wanted.compiler.versions ? `@${formatVersionList(wanted.compiler.versions)}` : ''}`;
    if (!compiler) return { state: 'names no compiler', attribute: '(no compiler)', asked };
    if (compiler.name !== wanted.compiler.name || (wanted.compiler.versions && !versionSatisfies(compiler.version, wanted.compiler.versions))) {
      return is(`%${compiler.name}@${compiler.version}`, asked, 'was built with');
    }
  }
  if (wanted.platform && wanted.platform !== node.arch.platform) return is(`platform=${node.arch.platform}`, `platform=${wanted.platform}`, 'is for');
  if (wanted.os && wanted.os !== node.arch.platform_os) return is(`os=${node.arch.platform_os}`, `os=${wanted.os}`, 'is for');
  if (wanted.target && wanted.target !== targetName(node.arch)) return is(`target=${targetName(node.arch)}`, `target=${wanted.target}`, 'is for');
  return undefined;
}

function variantMatches(have: unknown, wanted: boolean | string[]): boolean {
  const values = Array.isArray(have) ? have.map(String) : [String(have)];
  if (typeof wanted === 'boolean') return typeof have === 'boolean' ? have === wanted : values.length === 1 && values[0]!.toLowerCase() === String(wanted);
  // key=a,b on a multi-valued variant: the node has (at least) all of them.
  if (Array.isArray(have)) return wanted.every((w) => values.includes(w));
  if (typeof have === 'boolean') return wanted.length === 1 && wanted[0]!.toLowerCase() === String(have);
  return wanted.length === 1 && wanted[0] === values[0];
}

function describeVariant(key: string, have: unknown): string {
  if (typeof have === 'boolean') return `${have ? '+' : '~'}${key}`;
  return `${key}=${Array.isArray(have) ? have.map(String).join(',') || '(none)' : String(have)}`;
}

/** `node` is `name`, or provides it as a virtual on an edge from within `root`'s DAG. */
function providesName(node: SpecNode, name: string | undefined, root: SpecNode | undefined, nodes: ReadonlyMap<string, SpecNode>): boolean {
  if (name === undefined || node.name === name) return true;
  if (!root) return false;
  return dagNodes(root, nodes).some((parent) => parent.dependencies.some((edge) => edge.hash === node.hash && edge.parameters?.virtuals?.includes(name)));
}

/** Every node reachable from `root` (any dependency type), root first. */
export function dagNodes(root: SpecNode, nodes: ReadonlyMap<string, SpecNode>): SpecNode[] {
  const seen = new Map<string, SpecNode>([[root.hash, root]]);
  const queue = [root];
  while (queue.length) {
    for (const edge of queue.shift()!.dependencies) {
      const next = nodes.get(edge.hash);
      if (next && !seen.has(next.hash)) {
        seen.set(next.hash, next);
        queue.push(next);
      }
    }
  }
  return [...seen.values()];
}
