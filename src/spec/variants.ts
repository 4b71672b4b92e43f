import type { SpecNode } from '../spack/spec-json.js';

/** Compiler flags live among a node's parameters but are not variants (`spack find -v` shows them apart). */
const FLAG_PARAMETERS = new Set(['cflags', 'cxxflags', 'fflags', 'cppflags', 'ldflags', 'ldlibs']);

export type VariantValue = boolean | string | string[];

/** A concrete node's variants (`shared: true`, `build_system: 'makefile'`, multi-valued as lists). */
export function variantsOf(node: SpecNode): Record<string, VariantValue> {
  const variants: Record<string, VariantValue> = {};
  for (const [key, value] of Object.entries(node.parameters)) {
    if (FLAG_PARAMETERS.has(key) || key === 'patches') continue;
    if (typeof value === 'boolean' || typeof value === 'string') variants[key] = value;
    else if (Array.isArray(value)) variants[key] = value.map(String);
    else if (typeof value === 'number') variants[key] = String(value);
  }
  return variants;
}
