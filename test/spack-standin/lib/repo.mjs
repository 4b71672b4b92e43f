// Package repositories: reads repo.yaml and the package.py files with a tiny
// parser for Spack directives (version, depends_on, variant, patch, license,
// provides, build_system) and class attributes (homepage, url, docstring).
import { isV1, v1PackageHash } from './dialect.mjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { b32sha256Padded, sha256hex } from './util.mjs';
import { parseYaml } from './yaml.mjs';

const FIXTURES = fileURLToPath(new URL('../../fixtures/spack/', import.meta.url));
let knownHashes = null;
function recordedPackageHashes() {
  if (!knownHashes) knownHashes = JSON.parse(readFileSync(join(FIXTURES, 'package-hashes.json'), 'utf8'));
  return knownHashes;
}

export class Repo {
  constructor(root) {
    this.root = root;
    const y = parseYaml(readFileSync(join(root, 'repo.yaml'), 'utf8')) ?? {};
    this.namespace = String(y.repo?.namespace ?? '');
    // repo API version (Spack 1.x shows it in `repo list`; repos without one are v1.0)
    this.api = y.repo?.api ? String(y.repo.api) : null;
    this.packagesDir = join(root, y.repo?.subdirectory ?? 'packages');
    this.cache = new Map();
  }
  names() {
    if (!existsSync(this.packagesDir)) return [];
    return readdirSync(this.packagesDir)
      .filter((n) => existsSync(join(this.packagesDir, n, 'package.py')))
      .sort();
  }
  // Package API v2 (Spack 1.x) folders are Python module names: `-` becomes `_`.
  folderOf(name) {
    return /^v?2/.test(this.api ?? '') ? name.replace(/-/g, '_') : name;
  }
  has(name) {
    return existsSync(join(this.packagesDir, this.folderOf(name), 'package.py'));
  }
  get(name) {
    if (!this.cache.has(name)) {
      const file = join(this.packagesDir, this.folderOf(name), 'package.py');
      this.cache.set(name, parsePackage(name, readFileSync(file, 'utf8'), this, file));
    }
    return this.cache.get(name);
  }
}

export class RepoPath {
  constructor(roots) {
    this.repos = roots.map((r) => new Repo(r));
  }
  get(name, namespace = null) {
    for (const r of this.repos) {
      if (namespace && r.namespace !== namespace) continue;
      if (r.has(name)) return r.get(name);
    }
    return null;
  }
  allNames() {
    const s = new Set();
    for (const r of this.repos) for (const n of r.names()) s.add(n);
    return [...s].sort();
  }
  providers(virtual) {
    const res = [];
    for (const n of this.allNames()) {
      const p = this.get(n);
      if (p.provides.includes(virtual)) res.push(p);
    }
    return res;
  }
}

const BUILD_SYSTEMS = {
  MakefilePackage: 'makefile',
  AutotoolsPackage: 'autotools',
  CMakePackage: 'cmake',
  MesonPackage: 'meson',
  PythonPackage: 'python_pip',
  BundlePackage: 'bundle',
  Package: 'generic',
};

export const PHASES = {
  makefile: ['edit', 'build', 'install'],
  autotools: ['autoreconf', 'configure', 'build', 'install'],
  cmake: ['cmake', 'build', 'install'],
  meson: ['meson', 'build', 'install'],
  python_pip: ['install'],
  bundle: ['install'],
  generic: ['install'],
};

const DIRECTIVES = ['version', 'depends_on', 'variant', 'license', 'patch', 'provides', 'build_system', 'conflicts', 'requires', 'maintainers', 'redistribute', 'resource', 'extends', 'can_splice', 'tags_directive'];

export function parsePackage(name, src, repo, file) {
  const classMatch = src.match(/^class\s+(\w+)\s*\(([^)]*)\)\s*:/m);
  const bases = classMatch ? classMatch[2].split(',').map((s) => s.trim()) : ['Package'];
  const baseClass = bases.find((b) => BUILD_SYSTEMS[b]) ?? bases[0] ?? 'Package';
  const pkg = {
    name,
    namespace: repo.namespace,
    repo,
    file,
    source: src,
    className: classMatch?.[1] ?? name,
    baseClass,
    buildSystems: [BUILD_SYSTEMS[baseClass] ?? 'generic'],
    defaultBuildSystem: BUILD_SYSTEMS[baseClass] ?? 'generic',
    versions: [],
    dependencies: [],
    variants: {},
    licenses: [],
    maintainers: [],
    patches: [],
    provides: [],
    homepage: attr(src, 'homepage'),
    url: attr(src, 'url'),
    listUrl: attr(src, 'list_url'),
    hasCode: !/^\s+has_code\s*=\s*False/m.test(src),
    description: docstring(src, classMatch),
  };
  for (const call of directiveCalls(src)) {
    const { args, kwargs } = parseArgs(call.args);
    switch (call.name) {
      case 'version':
        pkg.versions.push({
          version: String(args[0]),
          sha256: kwargs.sha256 ?? kwargs.md5 ?? null,
          preferred: kwargs.preferred === true,
          deprecated: kwargs.deprecated === true,
          url: kwargs.url ?? null,
        });
        break;
      case 'depends_on': {
        let type = kwargs.type ?? ['build', 'link'];
        if (typeof type === 'string') type = [type];
        pkg.dependencies.push({ spec: String(args[0]), type: [...type].sort(), when: kwargs.when ?? null });
        break;
      }
      case 'variant': {
        const vname = String(args[0]);
        pkg.variants[vname] = { name: vname, default: kwargs.default ?? false, description: kwargs.description ?? '', values: kwargs.values ?? null, multi: kwargs.multi === true };
        break;
      }
      case 'maintainers':
        for (const a of args) pkg.maintainers.push(String(a));
        break;
      case 'license':
        pkg.licenses.push(String(args[0]));
        break;
      case 'patch':
        pkg.patches.push({ sha256: kwargs.sha256 ?? sha256hex(String(args[0])), when: kwargs.when ?? null });
        break;
      case 'provides':
        for (const a of args) pkg.provides.push(String(a).split('@')[0]);
        break;
      case 'build_system': {
        const systems = args.filter((a) => typeof a === 'string');
        if (systems.length) pkg.buildSystems = systems;
        pkg.defaultBuildSystem = kwargs.default ?? systems[0] ?? pkg.defaultBuildSystem;
        break;
      }
      default:
        break;
    }
  }
  // implicit dependencies of build systems (as Spack's build system classes add)
  if (pkg.buildSystems.includes('makefile') || pkg.buildSystems.includes('autotools')) {
    pkg.dependencies.push({ spec: 'gmake', type: ['build'], when: null, implicit: true });
  }
  if (pkg.buildSystems.includes('cmake')) pkg.dependencies.push({ spec: 'cmake', type: ['build'], when: null, implicit: true });
  pkg.packageHashFor = (version, patches) => packageHashFor(pkg, version, patches);
  return pkg;
}

function attr(src, key) {
  const m = src.match(new RegExp(`^\\s+${key}\\s*=\\s*(["'])(.*?)\\1`, 'm'));
  return m ? m[2] : null;
}

function docstring(src, classMatch) {
  if (!classMatch) return '';
  const after = src.slice(classMatch.index + classMatch[0].length);
  const m = after.match(/^\s*("""|''')([\s\S]*?)\1/);
  if (!m) return '';
  return m[2];
}

// Finds top-level directive calls inside the class body: returns {name, args, start, end}
function directiveCalls(src) {
  const res = [];
  const re = new RegExp(`^([ \\t]+)(${DIRECTIVES.join('|')})\\(`, 'gm');
  let m;
  while ((m = re.exec(src))) {
    if (m[1].length !== 4) continue;
    const open = m.index + m[0].length - 1;
    const close = matchParen(src, open);
    if (close < 0) continue;
    res.push({ name: m[2], args: src.slice(open + 1, close), start: m.index, end: close + 1 });
    re.lastIndex = close + 1;
  }
  return res;
}

function matchParen(src, open) {
  let depth = 0;
  let q = null;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (q) {
      if (c === '\\') i++;
      else if (src.startsWith(q, i)) {
        i += q.length - 1;
        q = null;
      }
      continue;
    }
    if (src.startsWith('"""', i) || src.startsWith("'''", i)) {
      q = src.slice(i, i + 3);
      i += 2;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

// Parse a python argument list made of literals.
function parseArgs(text) {
  const p = { s: text, i: 0 };
  const args = [];
  const kwargs = {};
  for (;;) {
    skipWs(p);
    if (p.i >= p.s.length) break;
    const km = p.s.slice(p.i).match(/^([A-Za-z_]\w*)\s*=(?!=)/);
    if (km) {
      p.i += km[0].length;
      kwargs[km[1]] = parseValue(p);
    } else {
      args.push(parseValue(p));
    }
    skipWs(p);
    if (p.s[p.i] === ',') p.i++;
    else break;
  }
  return { args, kwargs };
}

function skipWs(p) {
  for (;;) {
    while (p.i < p.s.length && /\s/.test(p.s[p.i])) p.i++;
    if (p.s[p.i] === '#') {
      while (p.i < p.s.length && p.s[p.i] !== '\n') p.i++;
    } else break;
  }
}

function parseValue(p) {
  skipWs(p);
  const s = p.s;
  const c = s[p.i];
  if (c === '(' || c === '[') {
    const close = c === '(' ? ')' : ']';
    p.i++;
    const arr = [];
    for (;;) {
      skipWs(p);
      if (s[p.i] === close) {
        p.i++;
        break;
      }
      arr.push(parseValue(p));
      skipWs(p);
      if (s[p.i] === ',') p.i++;
    }
    return arr;
  }
  // string literal(s), implicit concatenation
  if (/^[rbfu]?["']/i.test(s.slice(p.i, p.i + 2))) {
    let out = '';
    while (/^[rbfu]?["']/i.test(s.slice(p.i, p.i + 2))) {
      if (/[rbfu]/i.test(s[p.i])) p.i++;
      const q = s.startsWith('"""', p.i) || s.startsWith("'''", p.i) ? s.slice(p.i, p.i + 3) : s[p.i];
      p.i += q.length;
      let str = '';
      while (p.i < s.length && !s.startsWith(q, p.i)) {
        if (s[p.i] === '\\' && q.length === 1) {
          str += s[p.i + 1];
          p.i += 2;
        } else str += s[p.i++];
      }
      p.i += q.length;
      out += str;
      skipWs(p);
    }
    return out;
  }
  // other expression: read until , or closing bracket at depth 0
  let depth = 0;
  const start = p.i;
  while (p.i < s.length) {
    const ch = s[p.i];
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) {
      if (depth === 0) break;
      depth--;
    } else if (ch === ',' && depth === 0) break;
    p.i++;
  }
  const tok = s.slice(start, p.i).trim();
  if (tok === 'True') return true;
  if (tok === 'False') return false;
  if (tok === 'None') return null;
  if (/^-?\d+(\.\d+)?$/.test(tok)) return Number(tok);
  return { expr: tok };
}

// Canonical source: package.py without comments, docstrings, directives and
// blank lines. Spack's real package_hash uses Python's AST; we map the
// canonical text of the recorded packages to their recorded hashes and fall
// back to base32(sha256(canonical text)) otherwise.
export function canonicalSource(src, { dropUrl = false } = {}) {
  let s = src;
  const calls = directiveCalls(s).reverse();
  for (const c of calls) s = s.slice(0, c.start) + s.slice(c.end);
  s = s.replace(/("""|''')[\s\S]*?\1/g, '');
  const lines = [];
  for (let line of s.split('\n')) {
    line = line.replace(/(^|\s)#.*$/, '').replace(/\s+$/, '');
    if (!line.trim()) continue;
    if (dropUrl && /^\s+url\s*=/.test(line)) continue;
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

// Spack's content_hash(): base32(sha256(sorted([source sha256, "patch:level"...,
// package_hash(canonical source)]))). Recorded (package@version) values win.
function packageHashFor(pkg, version, patches = []) {
  if (isV1()) {
    const recorded = v1PackageHash(pkg.name, version);
    if (recorded) return recorded;
  }
  const key = `${pkg.name}@${version}:${sha256hex(canonicalSource(pkg.source, { dropUrl: true }))}`;
  const known = recordedPackageHashes()[key];
  if (known) return known;
  const parts = [];
  const v = pkg.versions.find((x) => x.version === version);
  if (pkg.hasCode && v?.sha256) parts.push(v.sha256);
  for (const p of patches) parts.push(`${p}:1`);
  parts.push(b32sha256Padded(canonicalSource(pkg.source)));
  parts.sort();
  return b32sha256Padded(parts.join(''));
}

export function canonicalKey(name, version, src) {
  return `${name}@${version}:${sha256hex(canonicalSource(src, { dropUrl: true }))}`;
}
