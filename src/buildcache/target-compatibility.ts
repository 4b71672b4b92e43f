/** Which binaries can run on a host, by Spack target, and which of them fits it best. */
import { MICROARCHITECTURE_PARENTS } from './microarchitectures.js';

export function isKnownTarget(target: string): boolean {
  return Object.hasOwn(MICROARCHITECTURE_PARENTS, target);
}

/**
 * Ancestors of a target with their distance (1 = direct parent), the target itself at 0.
 * `extraParents` lets a target unknown to the table name its parents (Spack writes them into
 * a spec's target object), so newer microarchitectures still find their family.
 */
export function targetAncestors(target: string, extraParents: readonly string[] = []): Map<string, number> {
  const distance = new Map<string, number>([[target, 0]]);
  let frontier = [target];
  for (let step = 1; frontier.length > 0; step++) {
    const next: string[] = [];
    for (const name of frontier) {
      const parents = MICROARCHITECTURE_PARENTS[name] ?? (name === target ? extraParents : []);
      for (const parent of parents) {
        if (distance.has(parent)) continue;
        distance.set(parent, step);
        next.push(parent);
      }
    }
    frontier = next;
  }
  return distance;
}

/** The generic family (`x86_64`, `aarch64`, `ppc64le`, ...) a target belongs to, if known. */
export function targetFamily(target: string, extraParents: readonly string[] = []): string | undefined {
  let family: string | undefined;
  let farthest = -1;
  for (const [name, distance] of targetAncestors(target, extraParents)) {
    const parents = MICROARCHITECTURE_PARENTS[name];
    if (parents && parents.length === 0 && distance > farthest) {
      family = name;
      farthest = distance;
    }
  }
  return family;
}

/** Can a binary built for `binaryTarget` run on a host whose target is `hostTarget`? */
export function canRun(hostTarget: string, binaryTarget: string): boolean {
  if (hostTarget === binaryTarget) return true;
  if (!isKnownTarget(hostTarget)) return false;
  return targetAncestors(hostTarget).has(binaryTarget);
}

/** Spack's generic microarchitectures: the families and levels a portable build names. */
const GENERIC_LEVEL = /^(x86_64_v[234]|armv\d+\.\da)$/;

export function isGenericTarget(target: string): boolean {
  return GENERIC_LEVEL.test(target) || (MICROARCHITECTURE_PARENTS[target]?.length === 0);
}

/**
 * The generic target a binary needs (icelake → x86_64_v4, zen2 → x86_64_v3, x86_64_v2 →
 * itself): the nearest generic ancestor, to say what a binary runs on without naming a CPU.
 */
export function genericTarget(target: string, extraParents: readonly string[] = []): string {
  let best: string | undefined;
  let nearest = Infinity;
  for (const [name, distance] of targetAncestors(target, extraParents)) {
    if (isGenericTarget(name) && distance < nearest) {
      best = name;
      nearest = distance;
    }
  }
  return best ?? target;
}
