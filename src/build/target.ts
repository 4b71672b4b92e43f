/**
 * The CPU target a build is made for. Paks builds for a generic family (x86_64_v2, aarch64)
 * rather than the builder's microarchitecture, so that one binary runs on every machine of
 * that family or newer. The family goes into the build's temporary Spack scope as a
 * requirement on every package, so dependencies are built for it too.
 */
import { PaksError } from '../errors.js';
import { isKnownTarget, canRun, targetAncestors, targetFamily } from '../buildcache/target-compatibility.js';
import { MICROARCHITECTURE_PARENTS } from '../buildcache/microarchitectures.js';
import { hostArch, type HostArch } from '../install/host.js';
import type { PaksClient } from '../client.js';
import type { ScopeContent } from '../spack/scope.js';

/** What the build_target setting and --target accept besides a family name. */
export const AUTO_TARGET = 'auto';
export const HOST_TARGET = 'host';

/**
 * Families that archspec marks `vendor: generic`: the only ones Spack keeps under
 * `concretizer:targets:granularity: generic` (lib/spack/spack/solver/asp.py, target_defaults).
 */
const GENERIC_TARGETS: ReadonlySet<string> = new Set([
  'x86',
  'x86_64',
  'x86_64_v2',
  'x86_64_v3',
  'x86_64_v4',
  'aarch64',
  'armv8.1a',
  'armv8.2a',
  'armv8.3a',
  'armv8.4a',
  'armv8.5a',
  'armv8.6a',
  'armv9.0a',
  'armv9.2a',
  'arm',
  'ppc64',
  'ppc64le',
  'ppc',
  'ppcle',
  'riscv64',
  'sparc',
  'sparc64',
]);

/**
 * The family `auto` builds for, by the host's family: x86_64_v2 runs on every x86 CPU of the
 * last fifteen years and on virtual machines that hide newer features; Arm has one baseline.
 */
const DEFAULT_FOR_FAMILY: Readonly<Record<string, string>> = { x86_64: 'x86_64_v2', aarch64: 'aarch64' };

export function isGenericTarget(target: string): boolean {
  return GENERIC_TARGETS.has(target) && isKnownTarget(target);
}

/** Checks a target family named in settings, paks.yaml or --target: a sentence, or undefined when it is fine. */
export function targetProblem(target: string): string | undefined {
  if (target === AUTO_TARGET || target === HOST_TARGET || isGenericTarget(target)) return undefined;
  if (Object.hasOwn(MICROARCHITECTURE_PARENTS, target)) {
    const generic = [...targetAncestors(target).keys()].filter((t) => GENERIC_TARGETS.has(t) && t !== targetFamily(target));
    return `"${target}" is a microarchitecture, not a target family${generic.length ? `; its families are ${generic.join(', ')}` : ''}`;
  }
  return `"${target}" is not a target family Spack knows (for example x86_64_v2, x86_64_v3, aarch64)`;
}

/**
 * The family a build on this host is made for (undefined: the host's own microarchitecture),
 * refusing one the host cannot run: Spack builds only for targets compatible with the host
 * (`concretizer:targets:host_compatible`, true by default) and could not test the result.
 */
export function buildTargetFor(wanted: string, host: HostArch): string | undefined {
  const problem = targetProblem(wanted);
  if (problem) throw new PaksError('usage', `Cannot build for ${wanted}: ${problem}.`, { hint: 'Use auto, host, or a family such as x86_64_v2 (build_target setting or --target).' });
  if (wanted === HOST_TARGET) return undefined;
  const family = targetFamily(host.target);
  const target = wanted === AUTO_TARGET ? (family ? DEFAULT_FOR_FAMILY[family] ?? family : undefined) : wanted;
  if (target === undefined) return undefined;
  if (!canRun(host.target, target)) {
    throw new PaksError('usage', `Cannot build for ${target} on this machine (${host.target}): it cannot run ${target} code, so Spack would refuse to build for it and nothing could test the result.`, {
      hint: `Build ${target} on a machine of that family or newer, or choose a family this machine runs (${[...targetAncestors(host.target).keys()].filter((t) => GENERIC_TARGETS.has(t)).join(', ')}).`,
    });
  }
  return target;
}

/** The family of one `paks build`: --target, else the build_target setting, checked against this host. */
export async function resolveBuildTarget(client: PaksClient, flag: string | undefined): Promise<string | undefined> {
  const wanted = flag ?? client.values.build_target;
  const problem = targetProblem(wanted);
  if (problem) throw new PaksError('usage', `Cannot build for ${wanted}: ${problem}.`, { hint: flag ? 'Pass --target auto, host, or a family such as x86_64_v2.' : 'Set build_target to auto, host, or a family such as x86_64_v2 (paks config set build_target ...).' });
  if (wanted === HOST_TARGET) return undefined;
  return buildTargetFor(wanted, await hostArch(await client.spack()));
}

/**
 * The families one `paks repo build` job builds: those of paks.yaml's `targets:` that belong
 * to this host's family (the others are other platforms' jobs), else the setting's one.
 */
export function buildTargetsFor(listed: readonly string[] | undefined, setting: string, host: HostArch): Array<string | undefined> {
  const family = targetFamily(host.target);
  const mine = (listed ?? []).filter((t) => targetFamily(t) === family);
  if (mine.length === 0) return [buildTargetFor(setting, host)];
  return [...new Set(mine)].map((t) => buildTargetFor(t, host));
}

/**
 * The scope that makes every package of a build (dependencies included) use the family:
 * a requirement on all packages, and generic granularity so Spack considers only families.
 * Both keys exist in Spack 0.23 and 1.x (schema/packages.py `require`, schema/concretizer.py
 * `targets.granularity`).
 */
export function targetScope(target: string | undefined): Pick<ScopeContent, 'packages' | 'concretizer'> {
  if (target === undefined) return {};
  return { packages: { all: { require: [`target=${target}`] } }, concretizer: { targets: { granularity: 'generic' } } };
}

/** "x86_64_v2 or newer": what a binary built for a family runs on, in words. */
export function describeTarget(target: string): string {
  return isGenericTarget(target) && targetFamily(target) !== target ? `${target} or newer` : target;
}
