// No transcript records a target requirement (test/fixtures/spack*/transcripts have none), so
// this follows Spack's source, to be checked against a real Spack at acceptance.
// Which targets the concretizer may pick, as Spack's solver decides it
// (lib/spack/spack/solver/asp.py, SpackSolverSetup.target_defaults, 0.23 and 1.x alike):
// the host's microarchitecture and its ancestors; with `concretizer:targets:host_compatible:
// false` every target of the host's family; with `granularity: generic` only the generic
// ones (archspec vendor "generic"). A target named in a spec or a requirement that is not a
// candidate makes the spec unsatisfiable.
//
// Parents: archspec's cpu/microarchitectures.json (`from`), the part the tests meet.
const PARENTS = {
  x86_64: [],
  x86_64_v2: ['x86_64'],
  x86_64_v3: ['x86_64_v2'],
  x86_64_v4: ['x86_64_v3'],
  nocona: ['x86_64'],
  core2: ['nocona'],
  nehalem: ['core2', 'x86_64_v2'],
  westmere: ['nehalem'],
  sandybridge: ['westmere'],
  ivybridge: ['sandybridge'],
  haswell: ['ivybridge', 'x86_64_v3'],
  broadwell: ['haswell'],
  skylake: ['broadwell'],
  skylake_avx512: ['skylake', 'x86_64_v4'],
  cannonlake: ['skylake', 'x86_64_v4'],
  cascadelake: ['skylake_avx512'],
  icelake: ['cascadelake', 'cannonlake'],
  sapphirerapids: ['icelake'],
  k10: ['x86_64'],
  bulldozer: ['x86_64_v2'],
  zen: ['x86_64_v3'],
  zen2: ['zen'],
  zen3: ['zen2'],
  zen4: ['zen3', 'x86_64_v4'],
  aarch64: [],
  'armv8.1a': ['aarch64'],
  'armv8.2a': ['armv8.1a'],
  cortex_a72: ['aarch64'],
  neoverse_n1: ['cortex_a72', 'armv8.2a'],
  ppc64le: [],
  power8le: ['ppc64le'],
  power9le: ['power8le'],
};
const GENERIC = new Set(['x86_64', 'x86_64_v2', 'x86_64_v3', 'x86_64_v4', 'aarch64', 'armv8.1a', 'armv8.2a', 'ppc64le']);

export function ancestors(target) {
  const seen = [];
  const visit = (t) => {
    for (const p of PARENTS[t] ?? []) {
      if (!seen.includes(p)) {
        seen.push(p);
        visit(p);
      }
    }
  };
  visit(target);
  return seen;
}

function family(target) {
  return [target, ...ancestors(target)].find((t) => PARENTS[t]?.length === 0) ?? target;
}

// Candidate targets, most specific first (Spack sorts by the number of ancestors).
export function candidateTargets(host, { granularity = 'microarchitectures', hostCompatible = true } = {}) {
  let candidates = [host, ...ancestors(host)];
  if (!hostCompatible) for (const t of Object.keys(PARENTS)) if (family(t) === family(host) && !candidates.includes(t)) candidates.push(t);
  if (granularity === 'generic') candidates = candidates.filter((t) => GENERIC.has(t));
  return candidates.sort((a, b) => ancestors(b).length - ancestors(a).length);
}
