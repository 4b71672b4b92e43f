import { z } from 'zod';

/** A Spack target: a name in `spack find --json`, sometimes an object with details. */
export const targetSchema = z.union([
  z.string(),
  z.looseObject({ name: z.string(), vendor: z.string().optional(), features: z.array(z.string()).optional(), generation: z.number().optional(), parents: z.array(z.string()).optional() }),
]);

export const archSchema = z.looseObject({
  platform: z.string(),
  platform_os: z.string(),
  target: targetSchema,
});

export const dependencyEdgeSchema = z.looseObject({
  name: z.string(),
  hash: z.string(),
  parameters: z.looseObject({ deptypes: z.array(z.string()).default([]), virtuals: z.array(z.string()).default([]) }).optional(),
  type: z.array(z.string()).optional(),
});

/** One node of Spack's spec JSON (`spack find --json`, `spack spec --json`, spec.json). */
export const specNodeSchema = z.looseObject({
  name: z.string(),
  version: z.string(),
  arch: archSchema,
  compiler: z.looseObject({ name: z.string(), version: z.string() }).optional(),
  namespace: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  package_hash: z.string().optional(),
  dependencies: z.array(dependencyEdgeSchema).optional(),
  hash: z.string(),
  external: z.looseObject({ path: z.string().nullable().optional(), module: z.unknown().optional() }).optional(),
});

export type SpecNode = z.infer<typeof specNodeSchema>;

/** `{"spec": {"_meta": ..., "nodes": [...]}}`: a spec DAG with its root first. */
export const specDocumentSchema = z.looseObject({
  spec: z.looseObject({ _meta: z.looseObject({ version: z.number() }).optional(), nodes: z.array(specNodeSchema).min(1) }),
});

export type SpecDocument = z.infer<typeof specDocumentSchema>;

export function targetName(node: Pick<SpecNode, 'arch'>): string {
  const target = node.arch.target;
  return typeof target === 'string' ? target : target.name;
}

/** `linux-debian12-icelake`, as Spack writes an arch. */
export function archString(node: Pick<SpecNode, 'arch'>): string {
  return `${node.arch.platform}-${node.arch.platform_os}-${targetName(node)}`;
}

export function compilerString(node: Pick<SpecNode, 'compiler'>): string {
  return node.compiler ? `${node.compiler.name}@${node.compiler.version}` : 'unknown';
}

export function dependencyTypes(edge: z.infer<typeof dependencyEdgeSchema>): string[] {
  return edge.parameters?.deptypes ?? edge.type ?? [];
}
