import { PaksError } from '../errors.js';
import { dependentsOf, findInstalled, shortSpec, type InstalledSpec } from './installed.js';
import type { SpackRunner } from './runner.js';
import { checkSpecArguments } from './runner.js';

export interface UninstallPlan {
  /** The specs asked for, resolved to installed specs. */
  targets: InstalledSpec[];
  /** Installed specs that need the targets and go too (only with `dependents`). */
  dependents: InstalledSpec[];
}

export interface UninstallOptions {
  dependents?: boolean;
  /** Every installed spec matching an ambiguous constraint. */
  all?: boolean;
}

/** Installed specs matching constraints (all when none), in every tree Paks shows. */
export type FindInstalled = (constraints: readonly string[]) => Promise<InstalledSpec[]>;

/** A spec's identity across trees: the same hash can be installed in the default and the build tree. */
const keyOf = (spec: InstalledSpec) => `${spec.buildTree ? 'build' : 'default'}/${spec.hash}`;

/** Resolves what `paks uninstall` would remove, refusing ambiguity and needed packages. */
export async function planUninstall(spack: SpackRunner | FindInstalled, specs: readonly string[], options: UninstallOptions = {}): Promise<UninstallPlan> {
  const find: FindInstalled = typeof spack === 'function' ? spack : (constraints) => findInstalled(spack, constraints);
  const constraints = checkSpecArguments(specs);
  const everything = await find([]);
  const targets = new Map<string, InstalledSpec>();
  for (const constraint of constraints) {
    const matches = await find([constraint]);
    if (matches.length === 0) {
      throw new PaksError('not-found', `${constraint} does not match any installed package.`, { hint: 'See what is installed with: paks list' });
    }
    if (matches.length > 1 && !options.all) {
      throw new PaksError('usage', `${constraint} matches ${matches.length} installed packages: ${matches.map(shortSpec).join(', ')}.`, {
        hint: `Name one by version or hash (e.g. paks uninstall ${matches[0]!.name}/${matches[0]!.hash.slice(0, 7)}), or use --all to remove them all.`,
      });
    }
    for (const match of matches) {
      if (match.external) {
        throw new PaksError('usage', `${shortSpec(match)} is an external package (${match.prefix ?? 'outside Spack'}); Spack does not install or remove it.`);
      }
      targets.set(keyOf(match), match);
    }
  }
  // Dependencies are by hash within one tree.
  const dependents = (of: readonly InstalledSpec[]) =>
    [false, true].flatMap((buildTree) => dependentsOf(everything.filter((spec) => spec.buildTree === buildTree), of.filter((spec) => spec.buildTree === buildTree)));
  const needing = dependents([...targets.values()]);
  if (needing.length && !options.dependents) {
    // Name only the targets something else needs (with --all, often one of several versions).
    const needed = [...targets.values()]
      .map((target) => ({ target, by: dependents([target]).filter((d) => !targets.has(keyOf(d))) }))
      .filter(({ by }) => by.length > 0);
    const sentences = needed.map(({ target, by }) => `${shortSpec(target)} is still needed by ${by.map(shortSpec).join(', ')}`);
    throw new PaksError('conflict', `${sentences.join('; ')}.`, {
      hint: `Uninstall those too with --dependents, or uninstall them first${targets.size > needed.length ? `, or name only ${[...targets.values()].filter((t) => !needed.some((n) => n.target === t)).map(shortSpec).join(', ')}` : ''}.`,
    });
  }
  return { targets: [...targets.values()], dependents: needing };
}

/** Removes the planned specs by hash, so Spack removes exactly what the user confirmed. */
export async function executeUninstall(spack: SpackRunner, plan: UninstallPlan): Promise<string[]> {
  const hashes = [...plan.dependents, ...plan.targets].map((spec) => `/${spec.hash}`);
  const args = ['uninstall', '-y', ...(plan.dependents.length ? ['--dependents'] : []), ...hashes];
  const result = await spack.run(args, { doing: `uninstall ${plan.targets.map(shortSpec).join(' ')}` });
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('==> Successfully uninstalled '))
    .map((line) => line.slice('==> Successfully uninstalled '.length));
}
