import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PaksError } from '../errors.js';
import { listPackages, openRepository, type PackageRepository } from '../repository/source.js';

/** A recipe of this repository and the recipes of this repository it depends on. */
export interface RepoPackage {
  name: string;
  dir: string;
  /** Packages of this repository named in depends_on(...) (any type, any condition). */
  dependsOn: string[];
}

/** The Spack package repository at the root of a community repository. */
export async function spackRepositoryAt(root: string): Promise<PackageRepository> {
  return openRepository(root, { cwd: root, cloneDir: join(root, '.paks') });
}

/**
 * Every recipe with the in-repository dependencies its package.py declares. Read from the
 * recipes themselves (no Spack needed in the planning job); conditional dependencies count,
 * so a change is never missed.
 */
export async function readRepoPackages(repository: PackageRepository): Promise<Map<string, RepoPackage>> {
  const names = await listPackages(repository);
  const known = new Set(names);
  const packages = new Map<string, RepoPackage>();
  for (const name of names) {
    const dir = join(repository.packagesDir, name);
    const source = await readFile(join(dir, 'package.py'), 'utf8');
    const dependsOn = [...new Set(declaredDependencies(source))].filter((d) => known.has(d) && d !== name).sort();
    packages.set(name, { name, dir, dependsOn });
  }
  return packages;
}

/** The package names in `depends_on("name@...", ...)` directives of a recipe. */
export function declaredDependencies(source: string): string[] {
  const names: string[] = [];
  const withoutComments = source.replace(/^\s*#.*$/gm, '');
  for (const match of withoutComments.matchAll(/\bdepends_on\(\s*(?:[rbuRBU]?)["']([A-Za-z0-9_.-]+)/g)) {
    // "ns.name" names a package of a namespace; the repository's own packages are bare names.
    names.push(match[1]!.replace(/^.*\./, ''));
  }
  return names;
}

/** Each package's depth among `selected`: 0 depends on none of them, N on one of depth N-1. */
export function stagesOf(packages: Map<string, RepoPackage>, selected: ReadonlySet<string>): Map<string, number> {
  const stages = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (name: string, path: string[]): number => {
    const known = stages.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) {
      throw new PaksError('usage', `The packages ${[...path.slice(path.indexOf(name)), name].join(' → ')} depend on each other in a cycle, so none of them can be built first.`);
    }
    visiting.add(name);
    const deps = (packages.get(name)?.dependsOn ?? []).filter((d) => selected.has(d));
    const stage = deps.length ? 1 + Math.max(...deps.map((d) => visit(d, [...path, name]))) : 0;
    visiting.delete(name);
    stages.set(name, stage);
    return stage;
  };
  for (const name of [...selected].sort()) visit(name, []);
  return stages;
}

/** The packages that depend on any of `names`, directly or through others, in this repository. */
export function dependentsOf(packages: Map<string, RepoPackage>, names: Iterable<string>): Set<string> {
  const result = new Set<string>();
  const queue = [...names];
  while (queue.length) {
    const name = queue.shift()!;
    for (const pkg of packages.values()) {
      if (pkg.dependsOn.includes(name) && !result.has(pkg.name)) {
        result.add(pkg.name);
        queue.push(pkg.name);
      }
    }
  }
  for (const name of names) result.delete(name);
  return result;
}

/** The versions a recipe declares, newest first, without deprecated ones. */
export function recipeVersions(source: string): string[] {
  const versions: string[] = [];
  for (const match of source.matchAll(/^\s+version\(\s*["']([^"']+)["']([^)]*)\)/gm)) {
    if (/deprecated\s*=\s*True/.test(match[2]!)) continue;
    versions.push(match[1]!);
  }
  return versions.sort(compareVersions).reverse();
}

/** Spack-like ordering: numeric parts numerically, others as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const [x, y] = [pa[i], pb[i]];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const [nx, ny] = [/^\d+$/.test(x) ? Number(x) : NaN, /^\d+$/.test(y) ? Number(y) : NaN];
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx - ny;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
