// The stand-in's view of one Spack instance: root, config, repos, host
// arch/compiler (knobs), install layout and the install database.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Config } from './config.mjs';
import { RepoPath } from './repo.mjs';
import { Node, nodeFromSpecDict, splitArch } from './spec.mjs';
import { SpackError, tty } from './util.mjs';
import { isV1, v1TargetFamily } from './dialect.mjs';

// spack.util.path: SPACK_PATH_PADDING_CHARS and add_padding().
export const PADDING = '__spack_path_placeholder__';
export function addPadding(path, length) {
  let padLength = length - path.length;
  if (padLength === 1) tty.warn('Cannot pad path by exactly one character.');
  if (padLength <= 0) return path;
  padLength -= 1; // the path separator
  const reps = Math.floor(padLength / (PADDING.length + 1));
  const extra = padLength % (PADDING.length + 1);
  let padding = [...Array(reps).fill(PADDING), PADDING.slice(0, extra)].join('/');
  if (padding.endsWith('/')) padding = `${padding.slice(0, -1)}_`;
  return `${path}/${padding}`;
}

// spack.util.path.padding_filter: "/root/__spack_path_placeholder__/…/x" -> "/root/[padded-to-N-chars]/x".
const longestPrefix = (s) => (s.length < 2 ? s : `(?:${s[0]}${longestPrefix(s.slice(1))}?)`);
const PADDING_RE = new RegExp(`((?:/[^/\\s]*)*?)(?:/${PADDING})+(?:/${longestPrefix(PADDING)}|/${longestPrefix(PADDING)}_)?(?=/)`, 'g');
export function paddingFilter(text) {
  if (!text.includes(PADDING)) return text;
  return text.replace(PADDING_RE, (match, head) => `${head}/[padded-to-${match.length}-chars]`);
}

export const DEFAULT_ARCH = 'linux-debian12-icelake';
export const DEFAULT_COMPILER = 'gcc@12.2.0';

// archspec microarchitectures: non-generic targets serialize as dicts.
const TARGETS = {
  icelake: {
    name: 'icelake',
    vendor: 'GenuineIntel',
    features: ['adx', 'aes', 'avx', 'avx2', 'avx512_bitalg', 'avx512_vbmi2', 'avx512_vnni', 'avx512_vpopcntdq', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512f', 'avx512ifma', 'avx512vbmi', 'avx512vl', 'bmi1', 'bmi2', 'clflushopt', 'clwb', 'f16c', 'fma', 'gfni', 'mmx', 'movbe', 'pclmulqdq', 'popcnt', 'rdpid', 'rdrand', 'rdseed', 'sha_ni', 'sse', 'sse2', 'sse4_1', 'sse4_2', 'ssse3', 'vaes', 'vpclmulqdq', 'xsavec', 'xsaveopt'],
    generation: 0,
    parents: ['cascadelake', 'cannonlake'],
  },
  // Spack 1.1 recording (transcript 14)
  zen2: {
    name: 'zen2',
    vendor: 'AuthenticAMD',
    features: ['abm', 'aes', 'avx', 'avx2', 'bmi1', 'bmi2', 'clflushopt', 'clwb', 'clzero', 'cx16', 'f16c', 'fma', 'fsgsbase', 'lahf_lm', 'mmx', 'movbe', 'pclmulqdq', 'popcnt', 'rdseed', 'sse', 'sse2', 'sse3', 'sse4_1', 'sse4_2', 'sse4a', 'ssse3', 'xsave', 'xsavec', 'xsaveopt'],
    generation: 0,
    parents: ['zen'],
  },
};

export function targetDict(name) {
  if (!TARGETS[name]) return name;
  const dict = JSON.parse(JSON.stringify(TARGETS[name]));
  // Spack 1.x adds `cpupart` to every microarchitecture it serializes
  if (isV1()) dict.cpupart = '';
  return dict;
}

// Spack 1.x serializes an external's target as its family (`x86_64`), not the host target.
export function externalTarget(target) {
  return isV1() ? v1TargetFamily(target) : targetDict(target);
}

export class Context {
  constructor({ customScopes = [], commandLine = [], debug = false } = {}) {
    this.spackRoot = resolve(process.env.__STANDIN_SPACK_ROOT || resolve(dirname(process.argv[1] ?? '.'), '..'));
    const [platform, os, target] = splitArch(process.env.SPACK_STANDIN_ARCH || DEFAULT_ARCH);
    this.arch = { platform, os, target };
    const [cname, cversion] = (process.env.SPACK_STANDIN_COMPILER || DEFAULT_COMPILER).split('@');
    this.defaultCompiler = { name: cname, version: cversion };
    this.debug = debug;
    this.config = new Config({ spackRoot: this.spackRoot, platform, customScopes, commandLine });
    this._repos = null;
    this._db = null;
  }

  get archStr() {
    return `${this.arch.platform}-${this.arch.os}-${this.arch.target}`;
  }

  // compiler used for concretization: first one in compilers.yaml matching the
  // host os, else the knob default (Spack would auto-detect one)
  get compiler() {
    if (isV1()) {
      // Spack 1.x: compilers are externals in packages.yaml (`spack compiler find` writes them there)
      const ext = this.config.get('packages')?.gcc?.externals?.[0];
      if (ext?.spec) {
        const m = String(ext.spec).match(/^(\w[\w-]*)@=?([^\s%+~]+)/);
        if (m) return { name: m[1], version: m[2], prefix: ext.prefix ?? '/usr', compilers: ext.extra_attributes?.compilers ?? {} };
      }
      return this.defaultCompiler;
    }
    const list = this.config.get('compilers') ?? [];
    for (const entry of list) {
      const c = entry?.compiler;
      if (!c?.spec) continue;
      if (c.operating_system && c.operating_system !== this.arch.os) continue;
      const [n, v] = String(c.spec).replace('@=', '@').split('@');
      return { name: n, version: v };
    }
    return this.defaultCompiler;
  }

  get repos() {
    if (!this._repos) {
      // 0.23: a list of paths; 1.x: a dict name -> path, merged across scopes with the
      // higher scope's entries first (the same precedence as 0.23's lists)
      const section = isV1() ? this.config.orderedRepos() : this.config.get('repos') ?? [];
      const roots = section.map((r) => resolve(this.config.substitute(r)));
      const existing = [];
      for (const r of roots) {
        if (!existsSync(join(r, 'repo.yaml'))) throw new SpackError(`No repo.yaml found in '${r}'`, null, { className: 'BadRepoError' });
        if (!existing.includes(r)) existing.push(r);
      }
      this._repos = new RepoPath(existing);
    }
    return this._repos;
  }

  get installRoot() {
    const tree = this.config.get('config')?.install_tree ?? {};
    const root = resolve(this.config.substitute(tree.root ?? '$spack/opt/spack'));
    // config:install_tree:padded_length (spack.store): the root padded with placeholder folders.
    const padded = tree.padded_length;
    if (!padded) return root;
    return addPadding(root, padded === true ? 4096 : Number(padded));
  }

  prefixOf(node) {
    if (node.external) return node.external.path;
    // Spack 1.x default projection: {architecture.platform}-{architecture.target}/{name}-{version}-{hash}
    if (isV1()) return join(this.installRoot, `${node.platform}-${node.target}`, `${node.name}-${node.version}-${node.hash}`);
    return join(this.installRoot, node.archStr, `${node.compiler.name}-${node.compiler.version}`, `${node.name}-${node.version}-${node.hash}`);
  }

  get gpgHome() {
    return join(this.spackRoot, 'opt', 'spack', 'gpg');
  }

  get stageRoot() {
    return join(this.spackRoot, 'var', 'spack', 'stage');
  }

  get sourceCache() {
    return resolve(this.config.substitute(this.config.get('config')?.source_cache ?? '$spack/var/spack/cache'));
  }

  get db() {
    if (!this._db) this._db = new Database(join(this.installRoot, '.spack-db', 'index.json'));
    return this._db;
  }

  // the libc Spack detects on a linux host (spack.util.libc): the stand-in's glibc knob at /usr
  get hostLibc() {
    if (this.arch.platform !== 'linux') return null;
    return { name: 'glibc', version: process.env.SPACK_STANDIN_GLIBC || '2.36', prefix: '/usr' };
  }

  // externals from packages.yaml plus the detected libc on linux
  externalsFor(name) {
    const pkgs = this.config.get('packages') ?? {};
    const entry = pkgs[name] ?? {};
    const res = [];
    for (const e of entry.externals ?? []) res.push({ spec: String(e.spec), prefix: e.prefix ?? null, modules: e.modules ?? null, extra_attributes: e.extra_attributes ?? {} });
    if (name === 'glibc' && this.arch.platform === 'linux' && res.length === 0) {
      res.push({ spec: `glibc@${this.hostLibc.version}`, prefix: this.hostLibc.prefix, detected: true });
    }
    return { externals: res, buildable: entry.buildable !== false && !(name === 'glibc' && this.arch.platform === 'linux') };
  }
}

// A JSON install database like $root/.spack-db/index.json (version 7).
export class Database {
  constructor(file) {
    this.file = file;
    this.data = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { database: { version: '7', installs: {} } };
    this.installs = this.data.database.installs;
    this._nodes = null;
  }
  save() {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
    this._nodes = null;
  }
  // Node objects for every record (deps linked through records)
  nodes() {
    if (this._nodes) return this._nodes;
    const map = new Map();
    for (const [h, rec] of Object.entries(this.installs)) map.set(h, new Node(rec.spec, []));
    for (const n of map.values()) {
      for (const d of n.dict.dependencies ?? []) {
        const child = map.get(d.hash);
        if (child) n.deps.push({ node: child, deptypes: d.parameters?.deptypes ?? [], virtuals: d.parameters?.virtuals ?? [] });
      }
    }
    this._nodes = map;
    return map;
  }
  installedNodes() {
    const nodes = this.nodes();
    return [...nodes.values()].filter((n) => this.installs[n.hash]?.installed);
  }
  isInstalled(hash) {
    return !!this.installs[hash]?.installed;
  }
  // add a concrete DAG, all dependencies (every deptype) recursively
  add(node, { explicit = false, prefixOf, installed = null }) {
    const now = Date.now() / 1000;
    const visit = (n, isRoot) => {
      for (const e of n.sortedDeps()) if (!this.installs[e.node.hash]) visit(e.node, false);
      const rec = this.installs[n.hash];
      const prefix = prefixOf(n);
      const inst = isRoot && installed !== null ? installed : !!n.external || existsSync(prefix);
      if (!rec) {
        const dict = { ...n.dict };
        this.installs[n.hash] = {
          spec: dict,
          path: inst ? prefix : null,
          installed: inst,
          ref_count: 0,
          explicit: isRoot ? explicit : false,
          installation_time: now,
          in_buildcache: false,
        };
        for (const e of n.deps) if (this.installs[e.node.hash]) this.installs[e.node.hash].ref_count++;
      } else {
        if (inst && !rec.installed) {
          rec.installed = true;
          rec.path = prefix;
          rec.installation_time = now;
        }
        if (isRoot && explicit) rec.explicit = true;
      }
    };
    visit(node, true);
  }
  remove(hash) {
    const rec = this.installs[hash];
    if (!rec) return;
    if (rec.ref_count > 0) {
      rec.installed = false;
      rec.path = null;
      return;
    }
    delete this.installs[hash];
    for (const d of rec.spec.dependencies ?? []) {
      const dr = this.installs[d.hash];
      if (!dr) continue;
      dr.ref_count = Math.max(0, dr.ref_count - 1);
      if (dr.ref_count === 0 && !dr.installed) this.remove(d.hash);
    }
  }
}

export { nodeFromSpecDict };
