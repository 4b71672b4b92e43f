import { PaksError } from '../errors.js';
import type { SpackRunner } from './runner.js';
import { checkSpecArguments } from './runner.js';
import { variantsOf, type VariantValue } from '../spec/variants.js';
import type { SpecNode } from './spec-json.js';
import { compilerLabel, dependencyTypes, targetName } from './spec-node.js';
import { compilerEdge, compilerOf, nodesByHash } from '../spec/compiler.js';
import { COMPILER_FORMAT, PREFIX_FORMAT, parseFindLines, parseFoundCompiler } from './dialect/find.js';
import { parseFoundNodes } from './spec-check.js';

/** An installed spec as Paks reports it (stable JSON for scripts). */
export interface InstalledSpec {
  name: string;
  version: string;
  hash: string;
  arch: string;
  platform: string;
  os: string;
  target: string;
  compiler: string;
  namespace: string | null;
  prefix: string | null;
  external: boolean;
  dependencies: Array<{ name: string; hash: string; types: string[] }>;
  /** Variants as Spack recorded them (`shared: true`, `build_system: "makefile"`), flags left out. */
  variants: Record<string, VariantValue>;
  /** In the build tree (the padded install tree of `paks build`), not Spack's default one. */
  buildTree: boolean;
}

/**
 * Installed specs matching the constraints (all when none). `find --json` says everything but
 * the install prefix, and `--format` cannot list dependencies (they exclude each other), so with
 * `prefixes` (the default) both are asked at once; without, only externals carry a prefix. Both
 * calls read the same in Spack 0.23 and 1.x, so no `spack --version` comes first. Spack 1.x's
 * JSON names a compiler only as a dependency node, which a query for some packages leaves
 * out: for those nodes alone another call asks `{compiler}`.
 */
export async function findInstalled(spack: SpackRunner, constraints: readonly string[] = [], options: { prefixes?: boolean } = {}): Promise<InstalledSpec[]> {
  const specs = checkSpecArguments(constraints);
  const withPrefixes = options.prefixes ?? true;
  const [json, lines] = await Promise.all([
    spack.run(['find', '--json', ...specs], { allowFailure: true }),
    withPrefixes ? spack.run(['find', '--format', PREFIX_FORMAT, ...specs], { allowFailure: true }) : undefined,
  ]);
  if (json.exitCode !== 0) {
    if (/No package matches the query/.test(json.stderr + json.stdout)) return [];
    const { spackCommandError } = await import('./errors.js');
    throw spackCommandError(json, `list installed packages${specs.length ? ` matching ${specs.join(' ')}` : ''}`);
  }
  const nodes = json.stdout.trim() ? await parseFoundNodes(json.stdout) : [];
  const byHash = nodesByHash(nodes);
  const unnamed = nodes.filter((node) => !compilerOf(node, byHash) && compilerEdge(node));
  const compilerLines = unnamed.length
    ? await spack.run(['find', '--format', COMPILER_FORMAT, ...unnamed.map((node) => `/${node.hash}`)], { doing: 'tell the compilers of installed packages' })
    : undefined;
  const prefixes = parseFindLines(lines?.stdout);
  const compilers = new Map<string, string | null>();
  for (const [hash, text] of parseFindLines(compilerLines?.stdout)) compilers.set(hash, parseFoundCompiler(text));
  return nodes.map((node) => {
    const named = compilerLabel(compilerOf(node, byHash));
    const asked = compilers.get(node.hash);
    // Spack 1.x: externals, runtimes and compiler-wrapper have no compiler ({compiler} prints none).
    const compiler = named ?? (asked === undefined ? (compilerEdge(node) ? undefined : 'none') : (asked ?? 'none'));
    return toInstalledSpec(node, prefixes.get(node.hash) ?? node.external?.path ?? null, compiler);
  });
}

/** `compiler` is the node's compiler as `gcc@12.2.0`, `none` when it has none (Spack 1.x externals, runtimes). */
export function toInstalledSpec(node: SpecNode, prefix: string | null, compiler?: string): InstalledSpec {
  return {
    name: node.name,
    version: node.version,
    hash: node.hash,
    arch: `${node.arch.platform}-${node.arch.platform_os}-${targetName(node.arch)}`,
    platform: node.arch.platform,
    os: node.arch.platform_os,
    target: targetName(node.arch),
    compiler: compiler ?? (node.compiler ? `${node.compiler.name}@${node.compiler.version}` : 'unknown'),
    namespace: node.namespace ?? null,
    prefix,
    external: Boolean(node.external),
    dependencies: (node.dependencies ?? []).map((edge) => ({ name: edge.name, hash: edge.hash, types: dependencyTypes(edge) })),
    variants: variantsOf(node),
    buildTree: false,
  };
}

/** Installed specs that depend (link or run) on any of `targets`, transitively. */
export function dependentsOf(all: readonly InstalledSpec[], targets: readonly InstalledSpec[]): InstalledSpec[] {
  const wanted = new Set(targets.map((s) => s.hash));
  const found = new Map<string, InstalledSpec>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const spec of all) {
      if (wanted.has(spec.hash) || found.has(spec.hash)) continue;
      const needs = spec.dependencies.some((d) => (wanted.has(d.hash) || found.has(d.hash)) && d.types.some((t) => t === 'link' || t === 'run'));
      if (needs) {
        found.set(spec.hash, spec);
        grew = true;
      }
    }
  }
  return [...found.values()];
}

export function shortSpec(spec: Pick<InstalledSpec, 'name' | 'version' | 'hash'>): string {
  return `${spec.name}@${spec.version}/${spec.hash.slice(0, 7)}`;
}
