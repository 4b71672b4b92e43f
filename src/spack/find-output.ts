/**
 * `spack find --json` read without loading zod. Loading zod and making its schema ready costs
 * ~35 ms of CPU on every `paks list`, spent while two Spack processes want both cores
 * (bench/start.ts). This is a hand check of exactly what SpecNodeSchema (spec-json.ts)
 * accepts, for the output Spack writes; whatever it is not sure of goes to the schema, which
 * gives the same nodes or the one clear error. test/spack/find-output.test.ts holds the two
 * together: the check never accepts what the schema refuses, and never reads a node otherwise.
 */
import type { SpecNode } from './spec-json.js';

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

/**
 * The nodes of `find --json` output when every one has a shape the schema accepts, with the
 * schema's defaults filled in (no parameters: {}, no dependencies: []); undefined otherwise.
 */
export function checkFoundNodes(text: string): SpecNode[] | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  // `__proto__` as a key would be kept here but dropped by the schema: leave such output to it.
  if (!Array.isArray(raw) || !raw.every(isNode) || text.includes('"__proto__"')) return undefined;
  for (const node of raw) {
    node.parameters ??= {};
    node.dependencies ??= [];
  }
  return raw as SpecNode[];
}

/** `spack find --json` output as spec nodes; output the hand check is unsure of goes to the schema. */
export async function parseFoundNodes(text: string): Promise<SpecNode[]> {
  const checked = checkFoundNodes(text);
  if (checked) return checked;
  const { parseFindOutput } = await import('./spec-json.js');
  return parseFindOutput(text);
}
