/**
 * Spack's spec JSON checked by hand, without zod: exactly the shapes the schemas of
 * spec-json.ts accept, for output as Spack writes it. Loading zod and running it costs
 * `paks list` ~35 ms of CPU while two Spack processes want both cores (bench/start.ts); the
 * 40 spec files of bench/oci.ts's build cache (820 nodes: each holds its whole closure) took
 * zod 70-100 ms in a new process, and take this check ~15 ms, JSON.parse included.
 * Whatever the check is not sure of goes to the schema, which gives the same
 * value or the one clear error. test/spack/spec-check.test.ts holds the two together: the
 * check never accepts what the schema refuses, and never reads a value otherwise.
 */
import type { SpecDocument, SpecNode } from './spec-json.js';

// The same patterns as spec-json.ts: a single path segment, and a Spack DAG hash.
const SEGMENT = /^(?!\.\.?$)[^\s/\\\0]+$/;
const HASH = /^[a-z2-7]{32}$/;
const DEPENDENCY_TYPES = new Set<unknown>(['build', 'link', 'run', 'test']);

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isSegment = (value: unknown): boolean => typeof value === 'string' && SEGMENT.test(value);
const isHash = (value: unknown): boolean => typeof value === 'string' && HASH.test(value);
const isStrings = (value: unknown): boolean => Array.isArray(value) && value.every(isString);
const isDependencyTypes = (value: unknown): boolean => Array.isArray(value) && value.every((type) => DEPENDENCY_TYPES.has(type));
const optional = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || check(value);

function isTarget(value: unknown): boolean {
  if (typeof value === 'string') return SEGMENT.test(value);
  return (
    isObject(value) &&
    isSegment(value.name) &&
    optional(value.vendor, isString) &&
    optional(value.features, isStrings) &&
    optional(value.generation, (generation) => typeof generation === 'number') &&
    optional(value.parents, isStrings)
  );
}

function isDependency(value: unknown): boolean {
  if (!isObject(value) || !isSegment(value.name) || !isHash(value.hash)) return false;
  const { parameters, type } = value;
  if (parameters !== undefined && !(isObject(parameters) && isDependencyTypes(parameters.deptypes) && optional(parameters.virtuals, isStrings))) return false;
  return optional(type, isDependencyTypes) && (parameters !== undefined || type !== undefined);
}

function isNode(value: unknown): value is Fields {
  return (
    isObject(value) &&
    isSegment(value.name) &&
    isSegment(value.version) &&
    isObject(value.arch) &&
    isSegment(value.arch.platform) &&
    isSegment(value.arch.platform_os) &&
    isTarget(value.arch.target) &&
    optional(value.compiler, (compiler) => isObject(compiler) && isSegment(compiler.name) && isSegment(compiler.version)) &&
    optional(value.namespace, isString) &&
    optional(value.parameters, isObject) &&
    optional(value.package_hash, isString) &&
    optional(value.dependencies, (dependencies) => Array.isArray(dependencies) && dependencies.every(isDependency)) &&
    isHash(value.hash) &&
    optional(value.external, (external) => isObject(external) && optional(external.path, (path) => path === null || isString(path)) && optional(external.extra_attributes, isObject)) &&
    optional(value.patches, isStrings)
  );
}

/** A parsed node, with the schema's defaults filled in (no parameters: {}, no dependencies: []). */
function withDefaults(node: Fields): SpecNode {
  node.parameters ??= {};
  node.dependencies ??= [];
  return node as SpecNode;
}

/** JSON the checks may read: parsed, and without `__proto__` keys (kept by JSON.parse, dropped by the schema). */
function parsed(text: string): unknown {
  if (text.includes('"__proto__"')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The nodes of `find --json` output when every one has a shape the schema accepts; undefined otherwise. */
export function checkFoundNodes(text: string): SpecNode[] | undefined {
  const raw = parsed(text);
  if (!Array.isArray(raw) || !raw.every(isNode)) return undefined;
  return raw.map(withDefaults);
}

/** A spec document (`spack spec --json`, a build cache's spec file) when the schema accepts its shape; undefined otherwise. */
export function checkSpecDocument(text: string): SpecDocument | undefined {
  const raw = parsed(text);
  if (!isObject(raw) || !isObject(raw.spec) || !isObject(raw.spec._meta) || !Number.isSafeInteger(raw.spec._meta.version)) return undefined;
  const { nodes } = raw.spec;
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every(isNode)) return undefined;
  if (!optional(raw.buildcache_layout_version, Number.isSafeInteger)) return undefined;
  const checksum = raw.binary_cache_checksum;
  if (!optional(checksum, (c) => isObject(c) && typeof c.hash_algorithm === 'string' && c.hash_algorithm.length > 0 && typeof c.hash === 'string' && /^[0-9a-f]+$/.test(c.hash))) return undefined;
  nodes.forEach(withDefaults);
  return raw as SpecDocument;
}

/** `spack find --json` output as spec nodes, without loading zod unless the check is unsure of it. */
export async function parseFoundNodes(text: string): Promise<SpecNode[]> {
  const checked = checkFoundNodes(text);
  if (checked) return checked;
  const { parseFindOutput } = await import('./spec-json.js');
  return parseFindOutput(text);
}
