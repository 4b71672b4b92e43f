// Specs: parsing of abstract specs, concrete spec DAGs (Spack's node dicts,
// DAG hashes computed exactly like Spack: base32(sha1(node dict json))),
// formatting and the `spack spec` tree.
import { dagHashOf, SpackError } from './util.mjs';
import { isV1, V1_LANGUAGES } from './dialect.mjs';

// ------------------------------------------------------------------ versions
function splitVersion(v) {
  return String(v)
    .split(/[._-]/)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}
const INFINITY_NAMES = ['develop', 'main', 'master', 'head', 'trunk', 'stable'];
export function compareVersions(a, b) {
  const ia = INFINITY_NAMES.indexOf(String(a));
  const ib = INFINITY_NAMES.indexOf(String(b));
  if (ia >= 0 || ib >= 0) {
    if (ia >= 0 && ib >= 0) return ib - ia;
    return ia >= 0 ? 1 : -1;
  }
  const pa = splitVersion(a);
  const pb = splitVersion(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (i >= pa.length) return -1;
    if (i >= pb.length) return 1;
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return 1; // numbers are newer than strings
    if (typeof y === 'number') return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function prefixMatch(v, c) {
  return v === c || v.startsWith(c + '.') || v.startsWith(c + '-') || v.startsWith(c + '_');
}

export function versionSatisfies(version, constraint) {
  if (constraint === null || constraint === undefined || constraint === '') return true;
  return String(constraint)
    .split(',')
    .some((part) => {
      part = part.trim();
      if (part.startsWith('=')) return version === part.slice(1);
      if (part.includes(':')) {
        const [lo, hi] = part.split(':');
        if (lo && compareVersions(version, lo) < 0) return false;
        if (hi && compareVersions(version, hi) > 0 && !prefixMatch(version, hi)) return false;
        return true;
      }
      return prefixMatch(version, part);
    });
}

// ------------------------------------------------------------ abstract specs
function emptySpec() {
  return { name: null, namespace: null, versions: null, compiler: null, variants: {}, arch: {}, hash: null, deps: [], text: '' };
}

export function parseSpecs(input) {
  const text = Array.isArray(input) ? input.join(' ') : String(input);
  const re = /\s*(\^|\/[a-z0-9]+|%[A-Za-z0-9_\-]+(?:@[^\s%+~^/]+)?|@[^\s%+~^/]+|(?:\+\+|~~|[+~])[A-Za-z0-9_\-]+|[A-Za-z0-9_\-]+==?[^\s^]+|[A-Za-z0-9_\-.]+)/y;
  const roots = [];
  let cur = null;
  let root = null;
  let afterCaret = false;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) {
      if (/^\s*$/.test(text.slice(pos))) break;
      throw new SpackError(`Unexpected token in spec: '${text.slice(pos).trim()}'`);
    }
    pos = re.lastIndex;
    const tok = m[1];
    if (tok === '^') {
      if (!root) throw new SpackError('Unexpected token: ^');
      afterCaret = true;
      continue;
    }
    const isName = /^[A-Za-z0-9_\-.]+$/.test(tok) && !tok.includes('=');
    const isHash = tok.startsWith('/');
    if (afterCaret) {
      cur = emptySpec();
      root.deps.push(cur);
      afterCaret = false;
    } else if (!cur || (isName && cur.name) || (isHash && cur.hash)) {
      cur = emptySpec();
      root = cur;
      roots.push(cur);
    }
    if (isName) {
      const dot = tok.lastIndexOf('.');
      if (dot > 0 && !/^\d/.test(tok)) {
        cur.namespace = tok.slice(0, dot);
        cur.name = tok.slice(dot + 1);
      } else cur.name = tok;
    } else if (isHash) cur.hash = tok.slice(1);
    else if (tok.startsWith('%')) {
      const [cn, cv] = tok.slice(1).split('@');
      cur.compiler = { name: cn, versions: cv ?? null };
    } else if (tok.startsWith('@')) cur.versions = tok.slice(1);
    else if (tok.startsWith('+') || tok.startsWith('~')) {
      const val = tok.startsWith('+');
      cur.variants[tok.replace(/^(\+\+|~~|\+|~)/, '')] = val;
    } else {
      const eq = tok.indexOf('=');
      const key = tok.slice(0, eq);
      const value = tok.slice(eq + 1).replace(/^=/, '');
      if (key === 'arch' || key === 'architecture') {
        const [p, o, t] = splitArch(value);
        cur.arch = { platform: p, os: o, target: t };
      } else if (key === 'platform' || key === 'os' || key === 'target') cur.arch[key] = value;
      else if (['cflags', 'cxxflags', 'fflags', 'cppflags', 'ldflags', 'ldlibs'].includes(key)) cur.flags = { ...(cur.flags ?? {}), [key]: value };
      else cur.variants[key] = value;
    }
  }
  for (const r of roots) r.text = abstractToString(r);
  return roots;
}

export function splitArch(s) {
  const parts = String(s).split('-');
  if (parts.length < 3) return [parts[0], parts[1] ?? null, null];
  return [parts[0], parts.slice(1, -1).join('-'), parts[parts.length - 1]];
}

export function abstractToString(s, { deps = true } = {}) {
  let out = '';
  if (s.namespace) out += s.namespace + '.';
  if (s.name) out += s.name;
  if (s.versions) out += '@' + s.versions;
  if (s.compiler) out += '%' + s.compiler.name + (s.compiler.versions ? '@' + s.compiler.versions : '');
  const keys = Object.keys(s.variants).sort();
  for (const k of keys) if (typeof s.variants[k] === 'boolean') out += (s.variants[k] ? '+' : '~') + k;
  for (const k of keys) if (typeof s.variants[k] !== 'boolean') out += ` ${k}=${s.variants[k]}`;
  if (s.arch.platform && s.arch.os && s.arch.target) out += ` arch=${s.arch.platform}-${s.arch.os}-${s.arch.target}`;
  else for (const k of ['platform', 'os', 'target']) if (s.arch[k]) out += ` ${k}=${s.arch[k]}`;
  if (s.hash) out += (out ? ' ' : '') + '/' + s.hash;
  if (deps) for (const d of s.deps) out += ' ^' + abstractToString(d, { deps: false });
  return out.trim();
}

// ------------------------------------------------------------ concrete nodes
// A concrete node wraps Spack's node dict: {dict, deps: [{node, deptypes, virtuals}]}.
export class Node {
  constructor(dict, deps = []) {
    this.dict = dict;
    this.deps = deps;
  }
  get name() {
    return this.dict.name;
  }
  get version() {
    return this.dict.version;
  }
  get namespace() {
    return this.dict.namespace;
  }
  get hash() {
    return this.dict.hash;
  }
  get external() {
    return this.dict.external ?? null;
  }
  get platform() {
    return this.dict.arch.platform;
  }
  get os() {
    return this.dict.arch.platform_os;
  }
  get target() {
    const t = this.dict.arch.target;
    return typeof t === 'string' ? t : t.name;
  }
  get archStr() {
    return `${this.platform}-${this.os}-${this.target}`;
  }
  // 0.23: the node's compiler field; 1.x: the dependency providing a language (null for none)
  get compiler() {
    if (this.dict.compiler) return this.dict.compiler;
    const edge = this.deps.find((e) => e.virtuals.some((v) => V1_LANGUAGES.includes(v)));
    return edge ? { name: edge.node.name, version: edge.node.version, hash: edge.node.hash } : null;
  }
  get compilerStr() {
    const c = this.compiler;
    return c ? `${c.name}@${c.version}` : 'none';
  }
  get variants() {
    const v = {};
    for (const [k, val] of Object.entries(this.dict.parameters ?? {})) {
      if (['cflags', 'cppflags', 'cxxflags', 'fflags', 'ldflags', 'ldlibs'].includes(k)) continue;
      v[k] = val;
    }
    return v;
  }
  // all nodes of the DAG (pre-order, deps sorted by name, each node once)
  traverse({ deptypes = null, root = true } = {}) {
    const seen = new Set();
    const res = [];
    const visit = (n) => {
      if (seen.has(n.hash)) return;
      seen.add(n.hash);
      res.push(n);
      for (const e of n.sortedDeps()) if (!deptypes || e.deptypes.some((t) => deptypes.includes(t))) visit(e.node);
    };
    visit(this);
    return root ? res : res.slice(1);
  }
  sortedDeps() {
    return [...this.deps].sort((a, b) => (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0));
  }
  // {"spec": {"_meta": {"version": 4}, "nodes": [...]}} in BFS order
  toSpecDict() {
    const nodes = [];
    const seen = new Set();
    const queue = [this];
    seen.add(this.hash);
    while (queue.length) {
      const n = queue.shift();
      nodes.push(n.dict);
      for (const e of n.sortedDeps()) {
        if (!seen.has(e.node.hash)) {
          seen.add(e.node.hash);
          queue.push(e.node);
        }
      }
    }
    return { spec: { _meta: { version: isV1() ? 5 : 4 }, nodes } };
  }
}

export function nodeFromSpecDict(specDict) {
  const nodes = specDict.spec?.nodes ?? specDict.nodes;
  const byHash = new Map();
  for (const d of nodes) byHash.set(d.hash, new Node(d, []));
  for (const n of byHash.values()) {
    for (const dep of n.dict.dependencies ?? []) {
      const child = byHash.get(dep.hash);
      if (child) n.deps.push({ node: child, deptypes: dep.parameters?.deptypes ?? [], virtuals: dep.parameters?.virtuals ?? [] });
    }
  }
  return byHash.get(nodes[0].hash);
}

// Build a node dict exactly in Spack's key order and compute its DAG hash.
export function makeNode({ name, version, arch, targetDict, compiler, namespace, variants, external, patches, packageHash, deps, recordedHashOf = null }) {
  const parameters = {};
  for (const k of Object.keys(variants).sort()) parameters[k] = variants[k];
  for (const f of ['cflags', 'cppflags', 'cxxflags', 'fflags', 'ldflags', 'ldlibs']) parameters[f] = [];
  const dict = {
    name,
    version,
    arch: { platform: arch.platform, platform_os: arch.os, target: targetDict },
    compiler: { name: compiler?.name, version: compiler?.version },
    namespace,
    parameters,
  };
  // Spack 1.x (specfile v5): no compiler field; compilers are dependencies
  if (isV1()) delete dict.compiler;
  if (external) dict.external = { path: external.path, module: external.module ?? null, extra_attributes: external.extra_attributes ?? {} };
  if (patches && patches.length) dict.patches = [...patches];
  dict.package_hash = packageHash;
  const sorted = [...deps].sort((a, b) => (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0));
  if (sorted.length) {
    dict.dependencies = sorted.map((e) => ({
      name: e.node.name,
      hash: e.node.hash,
      parameters: { deptypes: [...e.deptypes].sort(), virtuals: [...e.virtuals].sort() },
    }));
  }
  if (isV1()) dict.annotations = { original_specfile_version: 5 };
  // Spack 1.1 hashes externals in a way the recording does not show: the recorded hash of an identical node is used
  const recordedHash = recordedHashOf ? recordedHashOf(dict) : null;
  dict.hash = recordedHash ?? dagHashOf(JSON.stringify(dict));
  return new Node(dict, sorted);
}

// ------------------------------------------------------------ satisfaction
export function satisfies(node, c, { checkDeps = true } = {}) {
  if (c.name && c.name !== node.name) return false;
  if (c.namespace && c.namespace !== node.namespace) return false;
  if (c.hash && !node.hash.startsWith(c.hash)) return false;
  if (c.versions && !versionSatisfies(node.version, c.versions)) return false;
  if (c.compiler) {
    if (!node.compiler || c.compiler.name !== node.compiler.name) return false;
    if (c.compiler.versions && !versionSatisfies(node.compiler.version, c.compiler.versions)) return false;
  }
  const vars = node.variants;
  for (const [k, v] of Object.entries(c.variants)) {
    if (!(k in vars)) return false;
    const have = vars[k];
    if (Array.isArray(have)) {
      const wanted = String(v).split(',');
      if (!wanted.every((w) => have.some((h) => String(h).startsWith(w)))) return false;
    } else if (typeof v === 'boolean' || typeof have === 'boolean') {
      if (String(have) !== String(v)) return false;
    } else if (String(have) !== String(v)) return false;
  }
  if (c.arch.platform && c.arch.platform !== node.platform) return false;
  if (c.arch.os && c.arch.os !== node.os) return false;
  if (c.arch.target && c.arch.target.replace(/:$/, '') !== node.target) return false;
  if (checkDeps) {
    const all = node.traverse({ root: false });
    for (const d of c.deps) if (!all.some((n) => satisfies(n, d, { checkDeps: false }))) return false;
  }
  return true;
}

// ------------------------------------------------------------ formatting
export function variantsStr(node) {
  const vars = node.variants;
  const keys = Object.keys(vars).sort();
  let s = '';
  for (const k of keys) if (typeof vars[k] === 'boolean') s += (vars[k] ? '+' : '~') + k;
  for (const k of keys) {
    if (typeof vars[k] === 'boolean') continue;
    const val = Array.isArray(vars[k]) ? vars[k].map((x) => (k === 'patches' ? String(x).slice(0, 7) : x)).join(',') : vars[k];
    // Spack 1.1 (transcript 06): a concrete multi-valued variant prints as key:='a,b'
    if (isV1() && Array.isArray(vars[k]) && k !== 'patches') s += ` ${k}:='${val}'`;
    else s += ` ${k}=${val}`;
  }
  return s;
}

// Spec.format() subset
export function formatSpec(node, fmt, ctx = {}) {
  return fmt.replace(/\{([^}]*)\}/g, (_, tok) => {
    let prefix = '';
    let attr = tok;
    const eq = tok.indexOf('=');
    if (eq >= 0) {
      prefix = tok.slice(0, eq + 1);
      attr = tok.slice(eq + 1);
    } else {
      const m = tok.match(/^([^A-Za-z_]*)(.*)$/);
      prefix = m[1];
      attr = m[2];
    }
    let width = null;
    const cm = attr.match(/^(.*):(\d+)$/);
    if (cm) {
      attr = cm[1];
      width = Number(cm[2]);
    }
    let val;
    switch (attr) {
      case 'name':
        val = node.name;
        break;
      case 'fullname':
        val = `${node.namespace}.${node.name}`;
        break;
      case 'namespace':
        val = node.namespace;
        break;
      case 'version':
      case 'versions':
        val = node.version;
        break;
      case 'hash':
        val = node.hash;
        break;
      case 'compiler':
        // 1.x (transcript 130d): gcc@12.2.0/<hash of the compiler node>, or none
        val = isV1() ? (node.compiler ? `${node.compilerStr}/${node.compiler.hash}` : 'none') : node.compilerStr;
        break;
      case 'compiler.name':
        val = node.compiler?.name ?? 'none';
        break;
      case 'compiler.version':
      case 'compiler.versions':
        val = node.compiler?.version ?? 'none';
        break;
      case 'variants':
        return variantsStr(node);
      case 'compiler_flags':
        return '';
      case 'arch':
      case 'architecture':
        val = node.archStr;
        break;
      case 'architecture.platform':
      case 'platform':
        val = node.platform;
        break;
      case 'architecture.os':
      case 'os':
        val = node.os;
        break;
      case 'architecture.target':
      case 'target':
        val = node.target;
        break;
      case 'prefix':
        val = ctx.prefixOf ? ctx.prefixOf(node) : '';
        break;
      default:
        throw new SpackError(`${attr} is not a valid spec attribute`, null, { className: 'SpecFormatStringError' });
    }
    if (val === null || val === undefined || val === '') return '';
    if (width !== null) val = String(val).slice(0, width);
    return prefix + val;
  });
}

export function shortSpec(node) {
  if (isV1()) return formatSpec(node, '{name}{@version}{variants}{ arch=architecture}{/hash:7}') + (node.compiler ? ` %c=${node.compilerStr}` : '');
  return formatSpec(node, '{name}{@version}{%compiler.name}{@compiler.version}{variants}{ arch=architecture}{/hash:7}');
}

export function specLine(node, { namespaces = false } = {}) {
  // 1.x (transcript 06): `hello-paks@1.1.0 build_system=makefile arch=… %c=gcc@12.2.0`
  if (isV1()) return formatSpec(node, `${namespaces ? '{namespace}.' : ''}{name}{@version}{variants} platform={platform} os={os} target={target}`) + (node.compiler ? ` %c=${node.compilerStr}` : '');
  return formatSpec(node, `${namespaces ? '{namespace}.' : ''}{name}{@version}{%compiler.name}{@compiler.version}{compiler_flags}{variants}{ arch=architecture}`);
}

// Tree like `spack spec`: breadth-first discovery, printed depth first.
export function treeLines(root, { status, hashes = 0, namespaces = false, cover = 'nodes', deptypes = null }) {
  const parentOf = new Map();
  const depth = new Map([[root.hash, 0]]);
  const queue = [root];
  const children = new Map([[root.hash, []]]);
  while (queue.length) {
    const n = queue.shift();
    for (const e of n.sortedDeps()) {
      if (deptypes && !e.deptypes.some((t) => deptypes.includes(t))) continue;
      if (depth.has(e.node.hash)) continue;
      depth.set(e.node.hash, depth.get(n.hash) + 1);
      parentOf.set(e.node.hash, n);
      children.get(n.hash).push(e.node);
      children.set(e.node.hash, []);
      queue.push(e.node);
    }
  }
  const lines = [];
  const visit = (n, d) => {
    let line = status ? status(n) : '';
    if (hashes) line += n.hash.slice(0, hashes) + '  ';
    line += '    '.repeat(d) + (d > 0 ? '^' : '') + specLine(n, { namespaces });
    lines.push(line);
    for (const c of children.get(n.hash)) visit(c, d + 1);
  };
  visit(root, 0);
  return lines;
}
