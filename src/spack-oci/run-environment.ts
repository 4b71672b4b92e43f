/**
 * The `Env` Spack writes into an image config: the base image's variables (PATH=/bin:/usr/bin
 * when it sets none) with the run environment of the roots prepended, computed like
 * `spack.user_environment.environment_modifications_for_specs` (recorded: Spack 0.23
 * transcripts 66, 141, 147c): prefix inspections of every link/run node, dependencies first,
 * system paths left out, then each root's `bin` once more; variables applied in name order.
 */
import type { SpecNode } from '../spack/spec-json.js';

/** Spack's prefix inspections on Linux, in its order. */
export const PREFIX_INSPECTIONS: ReadonlyArray<[string, string]> = [
  ['bin', 'PATH'],
  ['man', 'MANPATH'],
  ['share/man', 'MANPATH'],
  ['share/aclocal', 'ACLOCAL_PATH'],
  ['lib/pkgconfig', 'PKG_CONFIG_PATH'],
  ['lib64/pkgconfig', 'PKG_CONFIG_PATH'],
  ['share/pkgconfig', 'PKG_CONFIG_PATH'],
  ['', 'CMAKE_PREFIX_PATH'],
];

const SYSTEM_PATHS = ['/', '/usr', '/usr/local'];
const SYSTEM_DIRS = new Set([...SYSTEM_PATHS, ...SYSTEM_PATHS.flatMap((p) => ['bin', 'bin64', 'include', 'lib', 'lib64'].map((s) => joinPath(p, s)))]);

function joinPath(prefix: string, rel: string): string {
  if (!rel) return prefix;
  return prefix.endsWith('/') ? `${prefix}${rel}` : `${prefix}/${rel}`;
}

export interface PrefixFacts {
  /** The install prefix of a node (absolute). */
  prefixOf(node: SpecNode): string | undefined;
  /** Whether `<prefix>/<rel>` is a directory (in the tarball for Spack-built nodes, on this machine for externals). */
  isDirectory(node: SpecNode, rel: string): boolean;
}

/**
 * @param closureTopo the link/run closure in topological order (roots first), externals included
 * @param baseEnv the base image's `Env` entries (`KEY=value`)
 */
export function runEnvironment(closureTopo: readonly SpecNode[], roots: readonly SpecNode[], facts: PrefixFacts, baseEnv: readonly string[] = []): string[] {
  // Spack starts from {PATH: /bin:/usr/bin}, so PATH is always the first entry.
  const env = new Map<string, string>([['PATH', '/bin:/usr/bin']]);
  for (const entry of baseEnv) {
    const at = entry.indexOf('=');
    if (at > 0) env.set(entry.slice(0, at), entry.slice(at + 1));
  }
  const prepends = new Map<string, string[]>();
  const prepend = (name: string, path: string) => {
    const list = prepends.get(name) ?? [];
    list.push(path);
    prepends.set(name, list);
  };
  for (const node of [...closureTopo].reverse()) {
    const prefix = facts.prefixOf(node);
    if (!prefix) continue;
    for (const [rel, variable] of PREFIX_INSPECTIONS) {
      const path = joinPath(prefix, rel);
      if (!SYSTEM_DIRS.has(path) && facts.isDirectory(node, rel)) prepend(variable, path);
    }
  }
  for (const root of roots) {
    const prefix = facts.prefixOf(root);
    if (prefix && facts.isDirectory(root, 'bin')) prepend('PATH', joinPath(prefix, 'bin'));
  }
  for (const name of [...prepends.keys()].sort()) {
    let value = env.get(name);
    for (const path of prepends.get(name)!) value = value ? `${path}:${value}` : path;
    env.set(name, value!);
  }
  return [...env].map(([k, v]) => `${k}=${v}`);
}
