import { PaksError } from '../errors.js';
import type { SpackRunner } from './runner.js';
import { checkSpecArguments } from './runner.js';
import { variantsOf, type VariantValue } from '../spec/variants.js';
import { compilerLabel, dependencyTypes, parseFindOutput, targetName, type SpecNode } from './spec-json.js';

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
}

/**
 * Installed specs matching the constraints (all when none). `find --json` says everything but
 * the install prefix, and `--format` cannot list dependencies (they exclude each other), so
 * prefixes cost a second Spack call; without `prefixes` only externals carry one.
 */
export async function findInstalled(spack: SpackRunner, constraints: readonly string[] = [], options: { prefixes?: boolean } = {}): Promise<InstalledSpec[]> {
  const specs = checkSpecArguments(constraints);
  const wantPrefixes = options.prefixes ?? true;
  const [json, prefixes] = await Promise.all([
    spack.run(['find', '--json', ...specs], { allowFailure: true }),
    wantPrefixes ? spack.run(['find', '--format', '{hash} {prefix}', ...specs], { allowFailure: true }) : undefined,
  ]);
  if (json.exitCode !== 0) {
    if (/No package matches the query/.test(json.stderr + json.stdout)) return [];
    const { spackCommandError } = await import('./errors.js');
    throw spackCommandError(json, `list installed packages${specs.length ? ` matching ${specs.join(' ')}` : ''}`);
  }
  const nodes = json.stdout.trim() ? parseFindOutput(json.stdout) : [];
  const prefixByHash = new Map<string, string>();
  for (const line of prefixes?.stdout.split('\n') ?? []) {
    const at = line.indexOf(' ');
    if (at > 0) prefixByHash.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return nodes.map((node) => toInstalledSpec(node, prefixByHash.get(node.hash) ?? node.external?.path ?? null));
}

export function toInstalledSpec(node: SpecNode, prefix: string | null): InstalledSpec {
  return {
    name: node.name,
    version: node.version,
    hash: node.hash,
    arch: `${node.arch.platform}-${node.arch.platform_os}-${targetName(node.arch)}`,
    platform: node.arch.platform,
    os: node.arch.platform_os,
    target: targetName(node.arch),
    compiler: compilerLabel(node.compiler) ?? 'unknown',
    namespace: node.namespace ?? null,
    prefix,
    external: Boolean(node.external),
    dependencies: (node.dependencies ?? []).map((edge) => ({ name: edge.name, hash: edge.hash, types: dependencyTypes(edge) })),
    variants: variantsOf(node),
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
