/**
 * The build tree: the padded install tree `paks build` and `paks repo build` install into
 * (build_padded_length), a Spack store of its own. `paks list` shows it, `paks uninstall`
 * removes from it, and a build never reuses what in it came from a recipe Spack no longer knows.
 */
import type { PaksClient } from '../client.js';
import { dependentsOf, findInstalled, shortSpec, type InstalledSpec } from '../spack/installed.js';
import type { SpackRunner } from '../spack/runner.js';
import { executeUninstall, type UninstallPlan } from '../spack/uninstall.js';
import { buildScope } from './scope.js';

/**
 * Runs `work` with a Spack that sees the build tree; undefined when there is none apart from
 * the default tree (build_padded_length 0).
 */
export async function withBuildTree<T>(client: PaksClient, work: (spack: SpackRunner) => Promise<T>): Promise<T | undefined> {
  const paddedLength = client.values.build_padded_length;
  if (paddedLength <= 0) return undefined;
  const spack = await client.spack();
  // Loaded here, not at start: `paks list` of someone who never builds needs no scope writer.
  const { withTemporaryScope } = await import('../spack/scope.js');
  return withTemporaryScope(buildScope({ paddedLength }), (scope) => work(spack.withScope(scope!.dir)));
}

/** The build tree's installed specs, marked as such (PaksClient.list asks only when Paks built into it: tree-note.ts). */
export async function findInBuildTree(client: PaksClient, constraints: readonly string[], options: { prefixes?: boolean } = {}): Promise<InstalledSpec[]> {
  const found = await withBuildTree(client, (spack) => findInstalled(spack, constraints, options));
  return (found ?? []).map((spec) => ({ ...spec, buildTree: true }));
}

/** Removes the planned specs, each tree's with a Spack that sees that tree. */
export async function uninstallPlanned(client: PaksClient, plan: UninstallPlan): Promise<string[]> {
  const inTree = (buildTree: boolean): UninstallPlan => ({ targets: plan.targets.filter((s) => s.buildTree === buildTree), dependents: plan.dependents.filter((s) => s.buildTree === buildTree) });
  const removed: string[] = [];
  const own = inTree(false);
  if (own.targets.length) removed.push(...(await executeUninstall(await client.spack(), own)));
  const built = inTree(true);
  if (built.targets.length) removed.push(...((await withBuildTree(client, (spack) => executeUninstall(spack, built))) ?? []));
  return removed;
}

/**
 * Removes from the build tree the specs whose recipe namespace no configured repository
 * provides (a recipe built under another namespace, a repository since removed), with what
 * depends on them there: Spack would reuse them, then refuse to push ("Unknown namespace").
 * `spack` must run with the build's scope. Returns what was removed.
 */
export async function removeStaleBuilds(client: PaksClient, spack: SpackRunner): Promise<string[]> {
  const [installed, repos] = await Promise.all([
    findInstalled(spack, [], { prefixes: false }),
    spack.run(['repo', 'list'], { doing: 'list its package repositories' }),
  ]);
  const { parseRepoNamespaces } = await import('../spack/dialect/repos.js');
  const known = new Set(parseRepoNamespaces(repos.stdout));
  const stale = installed.filter((spec) => !spec.external && spec.namespace && !known.has(spec.namespace));
  if (stale.length === 0) return [];
  const going = [...stale, ...dependentsOf(installed, stale)];
  const namespaces = [...new Set(stale.map((spec) => spec.namespace))].join(', ');
  client.reporter.info(`Removing ${going.map(shortSpec).join(', ')} from the build tree: built from recipes of ${namespaces}, which no configured repository provides, and Spack would reuse them.`);
  await spack.run(['uninstall', '-y', '--dependents', ...stale.map((spec) => `/${spec.hash}`)], { doing: `remove ${stale.map(shortSpec).join(' ')} from the build tree` });
  return going.map(shortSpec);
}
