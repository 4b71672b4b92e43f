// Configuration scopes like Spack 0.23: defaults < site ($SPACK_ROOT/etc/spack)
// < user ($SPACK_USER_CONFIG_PATH, disabled by SPACK_DISABLE_LOCAL_CONFIG)
// < each -C scope in order < command line (-c). Each file scope also has a
// platform sub-scope (<scope>/<platform>/). Keys ending in "::" replace.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { dumpYaml, parseYaml } from './yaml.mjs';
import { SpackError } from './util.mjs';

const DEFAULTS = {
  config: {
    install_tree: { root: '$spack/opt/spack', projections: { all: '{architecture}/{compiler.name}-{compiler.version}/{name}-{version}-{hash}' } },
    source_cache: '$spack/var/spack/cache',
    build_jobs: 2,
    debug: false,
    suppress_gpg_warnings: false,
    binary_index_ttl: 600,
  },
  mirrors: {},
  repos: ['$spack/var/spack/repos/builtin'],
  packages: {},
  compilers: [],
};

export class Config {
  constructor({ spackRoot, platform, customScopes = [], commandLine = [] }) {
    this.spackRoot = spackRoot;
    this.platform = platform;
    this.scopes = [];
    this.scopes.push({ name: 'defaults', data: DEFAULTS, writable: false });
    this.scopes.push({ name: 'site', path: join(spackRoot, 'etc', 'spack'), writable: true });
    this.scopes.push({ name: 'site/' + platform, path: join(spackRoot, 'etc', 'spack', platform), writable: true, platformScope: true });
    if (!('SPACK_DISABLE_LOCAL_CONFIG' in process.env)) {
      const user = process.env.SPACK_USER_CONFIG_PATH || join(homedir(), '.spack');
      this.userPath = user;
      this.scopes.push({ name: 'user', path: user, writable: true });
      this.scopes.push({ name: 'user/' + platform, path: join(user, platform), writable: true, platformScope: true });
    }
    customScopes.forEach((p, i) => {
      if (!existsSync(p)) throw new SpackError(`Invalid configuration scope: ${p}`);
      this.scopes.push({ name: `cmd_scope_${i}`, path: p, writable: true });
      this.scopes.push({ name: `cmd_scope_${i}/${platform}`, path: join(p, platform), writable: true, platformScope: true });
    });
    const cl = {};
    for (const entry of commandLine) addPath(cl, entry);
    this.scopes.push({ name: 'command_line', data: cl, writable: false });
    this.cache = new Map();
  }

  scopeData(scope, section) {
    if (scope.data) return scope.data[section] === undefined ? undefined : { [section]: scope.data[section] };
    const file = join(scope.path, `${section}.yaml`);
    if (!existsSync(file)) return undefined;
    const parsed = parseYaml(readFileSync(file, 'utf8'));
    return parsed ?? undefined;
  }

  // Spack 1.x `repos:` dicts (a list still reads), highest scope first: the paths in order
  orderedRepos() {
    const paths = [];
    const names = new Set();
    for (const scope of [...this.scopes].reverse()) {
      const d = scope === this.scopes[0] ? { repos: { builtin: DEFAULTS.repos[0] } } : this.scopeData(scope, 'repos');
      const section = d?.repos ?? d?.['repos:'];
      if (!section) continue;
      const entries = Array.isArray(section) ? section.map((p, i) => [`#${scope.name}${i}`, p]) : Object.entries(section);
      for (const [name, value] of entries) {
        const path = typeof value === 'string' ? value : value?.destination ?? value?.path;
        if (!path || names.has(name)) continue;
        names.add(name);
        paths.push(path);
      }
      if (d['repos:']) break;
    }
    return paths;
  }

  // merged value of a section
  get(section) {
    if (this.cache.has(section)) return this.cache.get(section);
    let merged;
    for (const scope of this.scopes) {
      const d = this.scopeData(scope, section);
      if (!d) continue;
      if (Object.prototype.hasOwnProperty.call(d, section + ':')) merged = clone(d[section + ':']);
      else if (Object.prototype.hasOwnProperty.call(d, section)) merged = merge(merged, d[section]);
    }
    this.cache.set(section, merged);
    return merged;
  }

  // scope where `spack <cmd>` writes by default: highest non-platform file scope
  defaultModifyScope() {
    const file = this.scopes.filter((s) => s.path && !s.platformScope);
    return file[file.length - 1];
  }

  scopeByName(name) {
    return this.scopes.find((s) => s.name === name && s.path);
  }

  readScopeSection(scope, section) {
    const d = this.scopeData(scope, section);
    if (!d) return undefined;
    return d[section] ?? d[section + ':'];
  }

  writeScopeSection(scope, section, value) {
    const file = join(scope.path, `${section}.yaml`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, dumpYaml({ [section]: value }));
    this.cache.delete(section);
  }

  substitute(path) {
    return String(path)
      .replace(/\$\{?spack\}?/g, this.spackRoot)
      .replace(/\$\{?user_cache_path\}?/g, process.env.SPACK_USER_CACHE_PATH || join(homedir(), '.spack'))
      .replace(/^~(?=\/|$)/, homedir());
  }
}

function clone(v) {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

// Spack merge: dicts merge recursively (higher scope wins), lists are
// concatenated with the higher-precedence entries first.
function merge(low, high) {
  if (high === undefined) return low;
  if (low === undefined || low === null) return clone(stripOverrides(high));
  if (Array.isArray(low) && Array.isArray(high)) {
    const res = [...clone(high)];
    for (const x of low) if (!res.some((y) => JSON.stringify(y) === JSON.stringify(x))) res.push(x);
    return res;
  }
  if (isObj(low) && isObj(high)) {
    const res = clone(low);
    for (const [k, v] of Object.entries(high)) {
      if (k.endsWith(':')) res[k.slice(0, -1)] = clone(stripOverrides(v));
      else res[k] = merge(res[k], v);
    }
    return res;
  }
  return clone(stripOverrides(high));
}

function stripOverrides(v) {
  if (Array.isArray(v)) return v.map(stripOverrides);
  if (isObj(v)) {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k.endsWith(':') ? k.slice(0, -1) : k] = stripOverrides(x);
    return o;
  }
  return v;
}

function isObj(v) {
  return v && typeof v === 'object' && !Array.isArray(v);
}

// "-c config:install_tree:root:/x" -> {config: {install_tree: {root: '/x'}}}
function addPath(target, entry) {
  const parts = [];
  let rest = entry;
  // values may contain ':' (urls, paths); Spack splits on ':' but keeps
  // everything after the last recognized key. Heuristic: split off keys while
  // the next chunk looks like an identifier.
  for (;;) {
    const m = rest.match(/^([A-Za-z0-9_\-]+):(.*)$/s);
    if (!m) break;
    parts.push(m[1]);
    rest = m[2];
    if (!/^[A-Za-z0-9_\-]+:/.test(rest) || parts.length >= 6) break;
  }
  if (parts.length === 0) throw new SpackError(`Invalid config path: ${entry}`);
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    cur[p] = cur[p] ?? {};
    cur = cur[p];
  }
  let value = rest;
  try {
    value = parseYaml(`v: ${rest}`).v;
  } catch {
    /* keep string */
  }
  cur[parts[parts.length - 1]] = value;
}
