/**
 * Spack's spec JSON (`spack spec --json`, `*.spec.json` in a build cache, `spack find --json`,
 * a build cache's `index.json`), parsed once here. Loose where Spack adds fields over time,
 * strict where Paks builds paths, tags and SBOMs from a value.
 */
import * as z from 'zod';
import { PaksError } from '../errors.js';
import { checkSpecDocument } from './spec-check.js';

/** One path segment: Paks builds file paths and tags from these, so no separators, no `..`. */
const segment = z
  .string()
  .min(1)
  .regex(/^(?!\.\.?$)[^\s/\\\0]+$/, 'must be a single path segment (no "/", "\\", spaces, "." or "..")');

/** Spack's DAG hash: 32 characters of lowercase base32. */
export const SpackHashSchema = z.string().regex(/^[a-z2-7]{32}$/, 'must be a 32-character Spack hash');

export const TargetSchema = z.looseObject({
  name: segment,
  vendor: z.string().optional(),
  features: z.array(z.string()).optional(),
  generation: z.number().optional(),
  parents: z.array(z.string()).optional(),
});

export const ArchSchema = z.looseObject({
  platform: segment,
  platform_os: segment,
  target: z.union([segment, TargetSchema]),
});

export const CompilerSchema = z.looseObject({ name: segment, version: segment });

export const DependencyTypeSchema = z.enum(['build', 'link', 'run', 'test']);

export const DependencySchema = z
  .looseObject({
    name: segment,
    hash: SpackHashSchema,
    // Spec format v4 (Spack 0.22+): parameters.deptypes; older formats: type.
    parameters: z
      .looseObject({
        deptypes: z.array(DependencyTypeSchema),
        virtuals: z.array(z.string()).optional(),
      })
      .optional(),
    type: z.array(DependencyTypeSchema).optional(),
  })
  .refine((d) => d.parameters !== undefined || d.type !== undefined, {
    message: 'a dependency needs parameters.deptypes (or type)',
  });

export const ExternalSchema = z.looseObject({
  path: z.string().nullable().optional(),
  module: z.unknown().optional(),
  extra_attributes: z.record(z.string(), z.unknown()).optional(),
});

export const SpecNodeSchema = z.looseObject({
  name: segment,
  version: segment,
  arch: ArchSchema,
  // Spack 1.x specs model compilers as dependencies and drop this field.
  compiler: CompilerSchema.optional(),
  namespace: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).default({}),
  package_hash: z.string().optional(),
  dependencies: z.array(DependencySchema).default([]),
  hash: SpackHashSchema,
  external: ExternalSchema.optional(),
  patches: z.array(z.string()).optional(),
});

export const ChecksumSchema = z.looseObject({
  hash_algorithm: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]+$/, 'must be lowercase hex'),
});

export const SpecDocumentSchema = z.looseObject({
  spec: z.looseObject({
    _meta: z.looseObject({ version: z.number().int() }),
    nodes: z.array(SpecNodeSchema).min(1),
  }),
  buildcache_layout_version: z.number().int().optional(),
  binary_cache_checksum: ChecksumSchema.optional(),
});

/** `spack find --json`: an array of nodes. */
export const FindOutputSchema = z.array(SpecNodeSchema);

/** A build cache's `index.json` (a Spack database). */
export const BuildCacheIndexSchema = z.looseObject({
  database: z.looseObject({
    version: z.string(),
    installs: z.record(
      SpackHashSchema,
      z.looseObject({
        spec: SpecNodeSchema,
        ref_count: z.number().optional(),
        in_buildcache: z.boolean().optional(),
      }),
    ),
  }),
});

export type Target = z.infer<typeof TargetSchema>;
export type Arch = z.infer<typeof ArchSchema>;
export type Compiler = z.infer<typeof CompilerSchema>;
export type DependencyType = z.infer<typeof DependencyTypeSchema>;
export type Dependency = z.infer<typeof DependencySchema>;
export type SpecNode = z.infer<typeof SpecNodeSchema>;
export type SpecDocument = z.infer<typeof SpecDocumentSchema>;
export type BuildCacheIndex = z.infer<typeof BuildCacheIndexSchema>;

/** JSON text checked against a schema; either failure is one PaksError naming `source` (`spack` unless `kind` says). */
export function parseJson<T>(schema: z.ZodType<T>, text: string, source: string, what: string, kind: 'spack' | 'integrity' = 'spack'): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PaksError(kind, `${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new PaksError(kind, `${source} is not ${what}:\n${z.prettifyError(result.error)}`, {
      cause: result.error,
    });
  }
  return result.data;
}

/**
 * Parses one spec document (`spack spec --json` for one root, or a build cache spec file).
 * The hand check of spec-check.ts reads what it is sure of, several times faster (a build
 * cache's spec files each hold their whole closure); the schema reads the rest.
 */
export function parseSpecDocument(text: string, source = 'spec JSON'): SpecDocument {
  return checkSpecDocument(text) ?? parseJson(SpecDocumentSchema, text, source, 'a Spack spec document');
}

export function parseFindOutput(text: string, source = 'spack find --json output'): SpecNode[] {
  return parseJson(FindOutputSchema, text, source, 'a list of Spack specs');
}

export function parseBuildCacheIndex(text: string, source = 'index.json'): BuildCacheIndex {
  return parseJson(BuildCacheIndexSchema, text, source, 'a Spack build cache index');
}

export { compilerLabel, dependencyTypes, rootNode, targetName, targetParents } from './spec-node.js';
