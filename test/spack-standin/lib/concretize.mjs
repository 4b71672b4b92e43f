// A deterministic, greedy concretizer standing in for clingo:
// externals first, then reuse of installed / build-cache specs (Spack 0.23's
// default `reuse: true`), else the preferred/highest version with default
// variants. One node per package name per DAG.
import { externalTarget, targetDict } from './context.mjs';
import { isV1, V1_LANGUAGES, v1RecordedExternal } from './dialect.mjs';
import { abstractToString, makeNode, parseSpecs, satisfies, versionSatisfies, compareVersions } from './spec.mjs';
import { SpackError } from './util.mjs';
import { candidateTargets } from './targets.mjs';

export class UnknownPackageError extends SpackError {
  constructor(name, namespace, { concretizing = false } = {}) {
    // Spack 1.1 (transcript 11): the solver's own sentence
    if (isV1() && concretizing) super(`cannot concretize '${name}', since '${name}' does not exist`, null, { className: 'SpackError' });
    else super(`Package 'spack.pkg.${namespace}.${name}' not found.`, "Use 'spack create' to create a new package.", { className: 'UnknownPackageError' });
  }
}

export function unsatisfiable(specText, reason = null) {
  if (isV1()) {
    // Spack 1.1 (transcript 12)
    const lines = [`     1. Cannot satisfy '${specText}'`, `        required because ${reason ?? specText + ' requested explicitly'} `, `     2. Cannot satisfy '${specText}'`];
    return new SpackError(`failed to concretize \`${specText}\` for the following reasons:`, lines.join('\n'), { className: 'UnsatisfiableSpecError' });
  }
  const lines = ['', `   1. Cannot satisfy '${specText}'`, `   2. Cannot satisfy '${specText}'`, `        required because ${reason ?? specText + ' requested explicitly'} `];
  return new SpackError('concretization failed for the following reasons:', lines.join('\n'), { className: 'UnsatisfiableSpecError' });
}

export function concretizeAll(ctx, roots, { reuseCandidates = null } = {}) {
  const candidates = reuseCandidates ?? gatherReuseCandidates(ctx);
  return roots.map((r) => concretizeRoot(ctx, r, candidates));
}

export function gatherReuseCandidates(ctx) {
  const res = [];
  for (const n of ctx.db.installedNodes()) res.push({ node: n, installed: true });
  if (ctx.buildcacheNodes) for (const n of ctx.buildcacheNodes()) res.push({ node: n, installed: false });
  return res;
}

function concretizeRoot(ctx, abstract, candidates) {
  // "/hash" alone: look up an installed or cached spec
  if (abstract.hash) {
    const all = candidates.map((c) => c.node).filter((n) => n.hash.startsWith(abstract.hash));
    const uniq = [...new Map(all.map((n) => [n.hash, n])).values()];
    if (uniq.length === 0) throw new SpackError(`No installed spec matches the hash: '${abstract.hash}'`, null, { className: 'InvalidHashError' });
    if (uniq.length > 1) throw new SpackError(`Spec '/${abstract.hash}' matches multiple packages.`);
    if (!satisfies(uniq[0], { ...abstract, hash: null })) throw unsatisfiable(abstract.text);
    return uniq[0];
  }
  if (!abstract.name) throw new SpackError('Spec has no name; cannot concretize an anonymous spec', null, { className: 'SpecError' });
  const state = { memo: new Map(), ctx, candidates, rootText: abstract.text, depConstraints: new Map() };
  for (const d of abstract.deps) {
    if (!d.name) continue;
    if (!ctx.repos.get(d.name)) throw new UnknownPackageError(d.name, ctx.repos.repos[0]?.namespace ?? 'builtin', { concretizing: true });
    state.depConstraints.set(d.name, d);
  }
  return concretizeNode(state, abstract, true);
}

function compilerFor(state, c) {
  const ctx = state.ctx;
  const comp = ctx.compiler;
  if (c?.compiler) {
    if (c.compiler.name !== comp.name || (c.compiler.versions && !versionSatisfies(comp.version, c.compiler.versions))) {
      throw unsatisfiable(abstractToString(c), `${abstractToString(c)} requested explicitly`);
    }
  }
  return comp;
}

function mergeConstraint(a, b) {
  if (!b) return a;
  return {
    ...a,
    versions: b.versions ?? a.versions,
    compiler: b.compiler ?? a.compiler,
    variants: { ...a.variants, ...b.variants },
    arch: { ...a.arch, ...b.arch },
    namespace: b.namespace ?? a.namespace,
    deps: a.deps,
  };
}

function concretizeNode(state, constraint, isRoot) {
  const { ctx } = state;
  const name = constraint.name;
  const userDep = state.depConstraints.get(name);
  const c = isRoot ? constraint : mergeConstraint(constraint, userDep);
  if (state.memo.has(name)) {
    const existing = state.memo.get(name);
    if (!satisfies(existing, { ...c, deps: [] })) throw unsatisfiable(abstractToString(c));
    return existing;
  }
  let pkg = ctx.repos.get(name, c.namespace);
  if (!pkg) {
    const providers = ctx.repos.providers(name);
    if (providers.length) pkg = providers[0];
    else throw new UnknownPackageError(name, c.namespace ?? ctx.repos.repos[0]?.namespace ?? 'builtin', { concretizing: true });
  }
  const compiler = compilerFor(state, c);
  const arch = { platform: c.arch.platform ?? ctx.arch.platform, os: c.arch.os ?? ctx.arch.os, target: chooseTarget(ctx, pkg.name, c) };
  if (arch.platform !== ctx.arch.platform || arch.os !== ctx.arch.os) throw unsatisfiable(abstractToString(c));

  // 1. externals
  const { externals, buildable } = ctx.externalsFor(pkg.name);
  for (const ext of externals) {
    const [es] = parseSpecs(ext.spec);
    if (c.versions && !versionSatisfies(es.versions ?? '', c.versions)) continue;
    const node = buildExternal(state, pkg, es, ext, compiler, arch, c);
    if (node && satisfies(node, { ...c, deps: [], compiler: null })) {
      state.memo.set(pkg.name, node);
      return node;
    }
  }
  if (!buildable) throw unsatisfiable(abstractToString(c), `${abstractToString(c)} is not buildable and no external matches`);

  // 2. reuse
  const reusable = state.candidates
    .filter(({ node }) => node.name === pkg.name && reusableOnHost(ctx, node, arch, c.arch.os) && (isV1() ? !node.compiler || node.compilerStr === `${compiler.name}@${compiler.version}` : node.compilerStr === `${compiler.name}@${compiler.version}`))
    .filter(({ node }) => satisfies(node, isRoot ? c : { ...c, deps: [] }))
    .filter(({ node }) => compatibleWithMemo(state, node))
    .sort((a, b) => compareVersions(b.node.version, a.node.version) || (a.installed === b.installed ? 0 : a.installed ? -1 : 1));
  if (reusable.length) {
    const node = reusable[0].node;
    for (const n of node.traverse()) if (!state.memo.has(n.name)) state.memo.set(n.name, n);
    return node;
  }

  // 3. build from source
  let version;
  if (pkg.name === 'gcc-runtime') {
    version = compiler.version;
    if (c.versions && !versionSatisfies(version, c.versions)) throw unsatisfiable(abstractToString(c));
  } else {
    const ok = pkg.versions.filter((v) => versionSatisfies(v.version, c.versions));
    const pick =
      ok.filter((v) => v.preferred && !v.deprecated).sort((a, b) => compareVersions(b.version, a.version))[0] ??
      ok.filter((v) => !v.deprecated).sort((a, b) => compareVersions(b.version, a.version))[0];
    if (!pick) throw unsatisfiable(abstractToString(c));
    version = pick.version;
  }
  const variants = defaultVariants(pkg);
  for (const [k, v] of Object.entries(c.variants)) {
    if (!(k in variants)) {
      throw new SpackError(`No such variant {'${k}'} for spec: '${abstractToString(c)}'`, null, { className: 'UnknownVariantError' });
    }
    variants[k] = typeof variants[k] === 'boolean' ? v === true || v === 'true' || v === 'True' : v;
  }
  const partial = { name: pkg.name, version, variants, arch };
  const patches = pkg.patches.filter((p) => whenMatches(p.when, partial)).map((p) => p.sha256);
  if (patches.length) variants.patches = patches;

  // placeholder to break cycles
  const deps = new Map();
  const addDep = (node, types, virtuals = []) => {
    const e = deps.get(node.name) ?? { node, deptypes: [], virtuals: [] };
    for (const t of types) if (!e.deptypes.includes(t)) e.deptypes.push(t);
    for (const v of virtuals) if (!e.virtuals.includes(v)) e.virtuals.push(v);
    deps.set(node.name, e);
  };
  let languages = false;
  for (const d of pkg.dependencies) {
    if (!whenMatches(d.when, partial)) continue;
    const [dc] = parseSpecs(d.spec);
    if (isV1() && V1_LANGUAGES.includes(dc.name)) {
      // Spack 1.x: a language is provided by the compiler (an external), used through compiler-wrapper
      addDep(compilerNode(state, compiler, arch), d.type, [dc.name]);
      if (ctx.repos.get('compiler-wrapper')) addDep(concretizeNode(state, parseSpecs('compiler-wrapper')[0], false), ['build']);
      languages = true;
      continue;
    }
    if (d.implicit && !ctx.repos.get(dc.name)) continue;
    const providerless = !ctx.repos.get(dc.name);
    const child = concretizeNode(state, dc, false);
    addDep(child, d.type, providerless ? [dc.name] : []);
  }
  const hasCode = pkg.hasCode && !['bundle'].includes(variants.build_system);
  const needsRuntime = isV1() ? languages : pkg.name !== 'gcc-runtime' && pkg.name !== 'glibc' && hasCode;
  if (compiler.name === 'gcc' && needsRuntime && ctx.repos.get('gcc-runtime')) {
    addDep(concretizeNode(state, parseSpecs('gcc-runtime')[0], false), ['link']);
  }
  // Spack 1.x: gcc-runtime is built by (a build dependency on) the gcc it belongs to
  if (isV1() && pkg.name === 'gcc-runtime' && ctx.repos.get('gcc')) addDep(compilerNode(state, compiler, arch), ['build']);
  if (arch.platform === 'linux' && pkg.name !== 'glibc' && (hasCode || pkg.name === 'gcc-runtime') && ctx.repos.get('glibc')) {
    addDep(concretizeNode(state, parseSpecs('glibc')[0], false), ['link'], ['libc']);
  }
  const node = makeNode({
    name: pkg.name,
    version,
    arch,
    targetDict: targetDict(arch.target),
    compiler: isV1() ? null : compiler,
    namespace: pkg.namespace,
    variants,
    external: null,
    patches,
    packageHash: pkg.packageHashFor(version, patches),
    deps: [...deps.values()],
  });
  if (isRoot && !satisfies(node, c)) throw unsatisfiable(abstractToString(c));
  state.memo.set(pkg.name, node);
  return node;
}

// Spack 0.22+ on Linux reuses a spec built on another OS when its libc is the host's (same
// name and prefix, version no newer); a spec whose DAG has no libc is reused unchecked.
// Facts: Spack 1.1 recordings 160 (newer glibc refused), 160d (older reused, other os), 160e
// (no libc edge) — test/fixtures/spack-1.1/transcripts/160*.
function reusableOnHost(ctx, node, arch, requestedOs) {
  if (node.platform !== arch.platform) return false;
  if (node.target !== (node.external ? node.target : arch.target)) return false;
  if (arch.platform !== 'linux') return node.os === arch.os;
  if (requestedOs && node.os !== requestedOs) return false;
  const host = ctx.hostLibc;
  return libcsOf(node).every((libc) => host && libc.name === host.name && (libc.external?.path ?? null) === host.prefix && compareVersions(libc.version, host.version) <= 0);
}

function libcsOf(node) {
  const found = [];
  for (const n of node.traverse({ deptypes: ['link', 'run'] })) {
    for (const e of n.deps) if (e.virtuals.includes('libc') && e.deptypes.some((t) => t === 'link' || t === 'run')) found.push(e.node);
  }
  return found;
}

// The node's target: the one the spec names, else a `target=` requirement of packages.yaml
// (the package's own `require:`, else `all:`), else the preferred (`target: [...]`) or most
// specific candidate. Each must be a candidate (targets.mjs), or the spec is unsatisfiable.
function chooseTarget(ctx, name, c) {
  const targets = ctx.config.get('concretizer')?.targets ?? {};
  const hostCompatible = targets.host_compatible ?? true;
  const candidates = candidateTargets(ctx.arch.target, { granularity: targets.granularity ?? 'microarchitectures', hostCompatible });
  const packages = ctx.config.get('packages') ?? {};
  const required = requiredTarget(packages[name]?.require ?? packages.all?.require);
  const requested = c.arch.target?.replace(/:$/, '');
  if (requested && !candidates.includes(requested) && !hostCompatible) candidates.push(requested);
  for (const [target, why] of [[requested, `${abstractToString(c)} requested explicitly`], [required, `the requirements in packages.yaml for ${name}`]]) {
    if (target && !candidates.includes(target)) throw unsatisfiable(`${name} target=${target}`, why);
  }
  if (requested && required && requested !== required) throw unsatisfiable(`${name} target=${requested}`, `the requirements in packages.yaml for ${name}`);
  const preferred = (packages[name]?.target ?? packages.all?.target ?? []).find((t) => candidates.includes(t));
  return requested ?? required ?? preferred ?? candidates[0];
}

// `target=X` from a `require:` (a string, or a list of strings / {spec: ...} that all hold)
function requiredTarget(require) {
  if (!require) return undefined;
  for (const item of Array.isArray(require) ? require : [require]) {
    const text = typeof item === 'string' ? item : typeof item?.spec === 'string' ? item.spec : '';
    const m = /(?:^|\s)target=([\w.]+)/.exec(text);
    if (m) return m[1];
  }
  return undefined;
}

function compatibleWithMemo(state, node) {
  for (const n of node.traverse()) {
    const m = state.memo.get(n.name);
    if (m && m.hash !== n.hash) return false;
    const dc = state.depConstraints.get(n.name);
    if (dc && !satisfies(n, { ...dc, deps: [] })) return false;
  }
  return true;
}

function defaultVariants(pkg) {
  const v = {};
  v.build_system = pkg.defaultBuildSystem;
  for (const [k, d] of Object.entries(pkg.variants)) v[k] = d.multi ? String(d.default).split(',') : d.default;
  return v;
}

// Spack 1.x: the compiler node, an external from packages.yaml (`spack compiler find` puts it there)
function compilerNode(state, compiler, arch) {
  const { ctx } = state;
  if (state.memo.has(compiler.name)) return state.memo.get(compiler.name);
  const pkg = ctx.repos.get(compiler.name);
  if (!pkg) throw new UnknownPackageError(compiler.name, 'builtin', { concretizing: true });
  const { externals } = ctx.externalsFor(compiler.name);
  const ext = externals[0] ?? { spec: `${compiler.name}@${compiler.version}`, prefix: '/usr', extra_attributes: {} };
  const node = buildExternal(state, pkg, parseSpecs(ext.spec)[0], ext, compiler, arch);
  state.memo.set(compiler.name, node);
  return node;
}

function buildExternal(state, pkg, es, ext, compiler, arch) {
  const variants = defaultVariants(pkg);
  for (const [k, v] of Object.entries(es.variants)) if (k in variants) variants[k] = pkg.variants[k]?.multi ? String(v).split(',') : v;
  const version = es.versions ? es.versions.replace(/^=/, '') : pkg.versions[0]?.version;
  if (!version) return null;
  const partial = { name: pkg.name, version, variants, arch };
  // Spack 1.1 records no patches on externals (transcript 14: gmake@4.3)
  const patches = isV1() ? [] : pkg.patches.filter((p) => whenMatches(p.when, partial)).map((p) => p.sha256);
  if (patches.length) variants.patches = patches;
  const recorded = isV1() ? v1RecordedExternal(pkg.name, version) : null;
  return makeNode({
    name: pkg.name,
    version,
    arch,
    targetDict: externalTarget(arch.target),
    compiler: isV1() ? null : compiler,
    namespace: pkg.namespace,
    variants,
    external: { path: ext.prefix, module: ext.modules ?? null, extra_attributes: isV1() ? ext.extra_attributes ?? {} : {} },
    patches,
    packageHash: pkg.packageHashFor(version, patches),
    deps: [],
    recordedHashOf: recorded ? (dict) => (JSON.stringify(dict) === JSON.stringify({ ...recorded, hash: undefined }) ? recorded.hash : null) : null,
  });
}

// `when=` conditions: supports @versions, +/~variants, key=value, platform/os/target
function whenMatches(when, partial) {
  if (!when) return true;
  const [c] = parseSpecs(when.startsWith('@') || when.startsWith('+') || when.startsWith('~') || when.includes('=') ? when : when);
  if (!c) return true;
  if (c.name && c.name !== partial.name) return false;
  if (c.versions && !versionSatisfies(partial.version, c.versions)) return false;
  for (const [k, v] of Object.entries(c.variants)) {
    if (String(partial.variants[k]) !== String(v)) return false;
  }
  for (const k of ['platform', 'os', 'target']) if (c.arch[k] && c.arch[k] !== partial.arch[k]) return false;
  return true;
}
