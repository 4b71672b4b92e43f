// Which Spack the stand-in plays: SPACK_STANDIN_VERSION, what `spack --version` prints.
// 0.23 (the default) or 1.x, whose differences come from the recording of a real Spack 1.1
// (test/fixtures/spack-1.1/README.md): specfile v5 with compilers as dependencies,
// build-cache layout v3, install tree projection <platform>-<target>/<name>-<version>-<hash>,
// `repos:` as a dict, `install ./x.json` instead of `install -f`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SPACK_VERSION = () => process.env.SPACK_STANDIN_VERSION || '0.23.0.dev0';
export const isV1 = () => /^[1-9]/.test(SPACK_VERSION());

const V1_FIXTURES = fileURLToPath(new URL('../../fixtures/spack-1.1/', import.meta.url));
export const V1_HELP = `${V1_FIXTURES}help/`;

let recorded = null;
// The node dicts real Spack 1.1 wrote in `spack find --json` (transcript 14).
function recordedNodes() {
  recorded ??= JSON.parse(readFileSync(`${V1_FIXTURES}find-json.json`, 'utf8'));
  return recorded;
}

// package_hash of a recipe as Spack 1.1 computed it (by name@version; it cannot be computed here).
export function v1PackageHash(name, version) {
  return recordedNodes().find((n) => n.name === name && n.version === version)?.package_hash ?? null;
}

// The recorded node of an external (gcc's variant values, the hash real Spack gave it).
export function v1RecordedExternal(name, version) {
  return recordedNodes().find((n) => n.name === name && n.version === version && n.external) ?? null;
}

// Spack 1.x targets carry `cpupart`; externals' target is the plain family name.
export function v1TargetFamily(target) {
  return /^(neoverse|a64fx|m1|m2|m3|thunderx|graviton|cortex|aarch64)/.test(target) ? 'aarch64' : /^(ppc|power)/.test(target) ? 'ppc64le' : 'x86_64';
}

export const V1_LANGUAGES = ['c', 'cxx', 'fortran'];
