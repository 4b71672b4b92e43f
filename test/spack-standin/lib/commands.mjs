// The Spack commands the stand-in implements.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from './args.mjs';
import { checksum as upstreamChecksum, versionJson, versions as upstreamVersions } from './upstream.mjs';
import { allCachedNodes, generateIndex, generateKeyIndex, pushKeys, pushSpec, readIndex, selectSigningKey } from './buildcache.mjs';
import { ensureLayout, fetchKeysV3, generateIndexV3, generateKeyIndexV3, pushSpecV3 } from './buildcache-v3.mjs';
import { concretizeAll, gatherReuseCandidates, UnknownPackageError } from './concretize.mjs';
import { Gpg } from './gpg.mjs';
import { installSpecs, urlForVersion } from './install.mjs';
import { Mirror, mirrorCollection, mirrorFromArg, toUrl, urlJoin, urlToPath } from './mirrors.mjs';
import { abstractToString, compareVersions, formatSpec, nodeFromSpecDict, parseSpecs, satisfies, shortSpec, specLine, treeLines } from './spec.mjs';
import { Die, Exit, hline, out, err, SpackError, tty } from './util.mjs';
import { dumpYaml } from './yaml.mjs';
import { testCommand, testMethods } from './testing.mjs';
import { createCommand } from './create.mjs';

export { SPACK_VERSION } from './dialect.mjs';
import { isV1, SPACK_VERSION } from './dialect.mjs';

const opt = (flags, dest, kind = 'bool', extra = {}) => ({ flags: Array.isArray(flags) ? flags : [flags], dest, kind, ...extra });

function noUnknown(a) {
  if (a.unknown.length) throw new Die(`unrecognized arguments: ${a.unknown.join(' ')}`);
}

function parse(prog, help, argv, options = [], positionals = []) {
  const a = parseArgs({ prog, help, options, positionals }, argv);
  noUnknown(a);
  return a;
}

// ------------------------------------------------------------- spec display
function sortNodes(nodes) {
  return [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compareVersions(a.version, b.version) || (a.hash < b.hash ? -1 : 1)));
}

function groupKey(n) {
  // Spack 1.1 (transcript 13): `%c=gcc@12.2.0` or `no compilers`
  if (isV1()) return `${n.archStr} / ${n.compiler ? `%c=${n.compilerStr}` : 'no compilers'}`;
  return `${n.archStr} / ${n.compilerStr}`;
}

// spack.cmd.display_specs
function displaySpecs(ctx, nodes, o, write = out, headerWrite = write) {
  const indent = ' '.repeat(o.indent ?? 0);
  const hlen = o.veryLong ? 32 : o.long ? 7 : 0;
  const fmt = o.format ?? `${o.namespaces ? '{fullname}' : '{name}'}{@version}${o.variants ? '{variants}' : ''}`;
  if (o.format && !o.groups) {
    for (const n of sortNodes(nodes)) write(formatSpec(n, o.format, { prefixOf: (x) => ctx.prefixOf(x) }) + '\n');
    return;
  }
  const groups = new Map();
  for (const n of nodes) {
    const k = groupKey(n);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(n);
  }
  [...groups.keys()].sort().forEach((k, i) => {
    const specs = sortNodes(groups.get(k));
    // Spack 1.1 (transcript 13) separates groups with an empty line
    if (o.groups !== false && isV1() && i > 0 && !o.deps) write('\n');
    if (o.groups !== false) headerWrite(indent + hline(k) + '\n');
    if (o.deps) {
      for (const s of specs) {
        const lines = depTree(s, fmt, hlen);
        for (const l of lines) write(indent + l + '\n');
        write('\n');
      }
    } else if (o.paths) {
      const names = specs.map((s) => formatSpec(s, fmt));
      const width = Math.max(...names.map((x) => x.length)) + 2;
      specs.forEach((s, i) => write(indent + (hlen ? s.hash.slice(0, hlen) + ' ' : '') + names[i].padEnd(width) + ctx.prefixOf(s) + '\n'));
    } else {
      for (const s of specs) write(indent + (hlen ? s.hash.slice(0, hlen) + ' ' : '') + formatSpec(s, fmt) + '\n');
    }
  });
}

function depTree(root, fmt, hlen) {
  // breadth-first discovery (each node once, at its shallowest depth), printed depth first
  const children = new Map([[root.hash, []]]);
  const queue = [root];
  while (queue.length) {
    const n = queue.shift();
    for (const e of n.sortedDeps()) {
      if (children.has(e.node.hash)) continue;
      children.set(e.node.hash, []);
      children.get(n.hash).push(e.node);
      queue.push(e.node);
    }
  }
  const lines = [];
  const visit = (n, d) => {
    lines.push((hlen ? n.hash.slice(0, hlen) + ' ' : '') + '    '.repeat(d) + formatSpec(n, fmt));
    for (const c of children.get(n.hash)) visit(c, d + 1);
  };
  visit(root, 0);
  return lines;
}

// ------------------------------------------------------------- query helpers
function installedMatching(ctx, abstract) {
  return ctx.db.installedNodes().filter((n) => satisfies(n, abstract));
}

function knownPackageOrDie(ctx, abstract) {
  if (abstract.name && !ctx.repos.get(abstract.name)) {
    // Spack checks installed DB specs first; unknown names are still plain queries
  }
}

// ------------------------------------------------------------------ commands
export const commands = {
  python(ctx, argv) {
    const a = parseArgs({ prog: 'spack python', help: 'python', options: [opt('-c', 'command', 'value'), opt('-V', 'version'), opt('-m', 'module', 'value'), opt('-u', 'unbuffered'), opt('-i', 'interp', 'value')], positionals: [{ dest: 'args', nargs: '*' }] }, argv);
    noUnknown(a);
    if (a.version) {
      out('Python 3.11.2\n');
      return 0;
    }
    const code = a.command;
    if (code === null) throw new SpackError('The Spack stand-in cannot run an interactive Python interpreter or scripts');
    const norm = code.replace(/\s+/g, ' ').trim();
    if (/^import spack ?; ?print\(spack\.spack_version\)$/.test(norm) || /^import spack\s*\n\s*print\(spack\.spack_version\)$/.test(code.trim())) {
      out(`${SPACK_VERSION()}\n`);
      return 0;
    }
    if (/^import spack ?; ?print\(spack\.__version__\)$/.test(norm)) {
      out(`${SPACK_VERSION()}\n`);
      return 0;
    }
    throw new SpackError(`The Spack stand-in only supports 'import spack; print(spack.spack_version)' in \`spack python -c\` (got: ${code})`);
  },

  arch(ctx, argv) {
    const a = parse('spack arch', 'arch', argv, [opt(['-p', '--platform'], 'platform'), opt(['-o', '--operating-system'], 'os'), opt(['-t', '--target'], 'target'), opt('--known-targets', 'known'), opt(['-f', '--frontend'], 'fe'), opt(['-b', '--backend'], 'be'), opt('--generic', 'generic')]);
    if (a.platform) out(ctx.arch.platform + '\n');
    else if (a.os) out(ctx.arch.os + '\n');
    else if (a.target) out(ctx.arch.target + '\n');
    else out(ctx.archStr + '\n');
    return 0;
  },

  compiler(ctx, argv) {
    const sub = argv[0];
    if (sub === 'find' || sub === 'add') {
      const a = parse('spack compiler find', 'compiler-find', argv.slice(1), [opt('--scope', 'scope', 'value'), opt('--mixed-toolchain', 'mixed'), opt('--no-mixed-toolchain', 'nomixed'), opt(['-j', '--jobs'], 'jobs', 'value')], [{ dest: 'paths', nargs: '*' }]);
      const scope = a.scope ? ctx.config.scopeByName(a.scope) : ctx.config.scopeByName(ctx.config.defaultModifyScope().name);
      const platScope = { path: join(scope.path, ctx.arch.platform) };
      const existing = ctx.config.readScopeSection(platScope, 'compilers') ?? [];
      const c = ctx.compiler;
      const specStr = `${c.name}@=${c.version}`;
      const already = (ctx.config.get('compilers') ?? []).some((e) => String(e?.compiler?.spec).replace('@=', '@') === `${c.name}@${c.version}`);
      const file = join(platScope.path, 'compilers.yaml');
      if (already) {
        out('==> Found no new compilers\n');
      } else {
        existing.push({
          compiler: {
            spec: specStr,
            paths: c.name === 'gcc' ? { cc: '/usr/bin/gcc', cxx: '/usr/bin/g++', f77: null, fc: null } : { cc: `/usr/bin/${c.name}`, cxx: `/usr/bin/${c.name}++`, f77: null, fc: null },
            flags: {},
            operating_system: ctx.arch.os,
            target: ctx.arch.platform === 'darwin' ? 'aarch64' : 'x86_64',
            modules: [],
            environment: {},
            extra_rpaths: [],
          },
        });
        ctx.config.writeScopeSection(platScope, 'compilers', existing);
        out(`==> Added 1 new compiler to ${file}\n    ${c.name}@${c.version}\n`);
      }
      out(`==> Compilers are defined in the following files:\n    ${file}\n`);
      return 0;
    }
    if ((sub === 'list' || sub === 'ls') && isV1()) {
      // Spack 1.1 (transcript 00c): compilers are externals, listed under their family
      parse('spack compiler list', 'compiler-list', argv.slice(1), [opt('--scope', 'scope', 'value')]);
      const ext = ctx.config.get('packages')?.[ctx.compiler.name]?.externals ?? [];
      if (!ext.length) {
        out("==> No compilers available. Run `spack compiler find` to autodetect compilers\n");
        return 0;
      }
      const c = ctx.compiler;
      out(`==> Available compilers\n${hline(`${c.name} ${ctx.arch.os}-${ctx.arch.platform === 'darwin' ? 'aarch64' : 'x86_64'}`)}\n[e]  ${c.name}@${c.version}\n`);
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      parse('spack compiler list', 'compiler-list', argv.slice(1), [opt('--scope', 'scope', 'value')]);
      const list = ctx.config.get('compilers') ?? [];
      if (!list.length) {
        out("==> No compilers available. Run `spack compiler find` to autodetect compilers\n");
        return 0;
      }
      out('==> Available compilers\n');
      const c = ctx.compiler;
      out(`-- ${c.name} ${ctx.arch.os}-${ctx.arch.platform === 'darwin' ? 'aarch64' : 'x86_64'} ${'-'.repeat(40)}\n${c.name}@${c.version}\n`);
      return 0;
    }
    throw usageErr('spack compiler', 'compiler', `argument SUBCOMMAND: invalid choice: '${sub ?? ''}'`);
  },

  bootstrap(ctx, argv) {
    const sub = argv[0];
    if (sub === 'status') {
      parse('spack bootstrap status', 'bootstrap-status', argv.slice(1), [opt('--optional', 'optional'), opt('--dev', 'dev')]);
      out(`Spack v${SPACK_VERSION()} - python@3.11\n\n[PASS] Core Functionalities\n\n[PASS] Binary packages\n\n\n`);
      return 0;
    }
    if (sub === 'now') return 0;
    throw usageErr('spack bootstrap', 'bootstrap', `argument SUBCOMMAND: invalid choice: '${sub ?? ''}'`);
  },

  repo(ctx, argv) {
    const sub = argv[0];
    const rest = argv.slice(1);
    if (sub === 'add') {
      const a = parse('spack repo add', 'repo-add', rest, [opt('--scope', 'scope', 'value')], [{ dest: 'path' }]);
      const path = resolve(a.path);
      if (!existsSync(path)) throw new Die(`No such file or directory: '${a.path}'`);
      if (!existsSync(join(path, 'repo.yaml'))) throw new SpackError(`No repo.yaml found in '${path}'`, null, { className: 'BadRepoError' });
      const { Repo } = reposModule;
      const repo = new Repo(path);
      const scope = a.scope ? ctx.config.scopeByName(a.scope) : ctx.config.defaultModifyScope();
      if (isV1()) {
        // Spack 1.1 (transcripts 04, 05b): repos is a dict, the new entry named after the namespace
        const section = ctx.config.readScopeSection(scope, 'repos') ?? {};
        const dict = Array.isArray(section) ? Object.fromEntries(section.map((p, i) => [`repo${i}`, p])) : section;
        if (Object.values(dict).map((r) => resolve(ctx.config.substitute(String(r)))).includes(path)) throw new Die(`Repository is already registered with Spack: ${a.path}`);
        ctx.config.writeScopeSection(scope, 'repos', { [repo.namespace]: path, ...dict });
        out(`==> Added repo to config with name '${repo.namespace}'.\n`);
        return 0;
      }
      const repos = ctx.config.readScopeSection(scope, 'repos') ?? [];
      if (repos.map((r) => resolve(ctx.config.substitute(r))).includes(path)) throw new Die(`Repository is already registered with Spack: ${a.path}`);
      repos.unshift(path);
      ctx.config.writeScopeSection(scope, 'repos', repos);
      out(`==> Added repo with namespace '${repo.namespace}'.\n`);
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      parse('spack repo list', 'repo-list', rest, [opt('--scope', 'scope', 'value')]);
      const repos = ctx.repos.repos;
      const w = Math.max(...repos.map((r) => r.namespace.length));
      // Spack 1.1 (transcript 05): `[+] <namespace>  v<api>  <path>`
      if (isV1()) for (const r of repos) out(`[+] ${r.namespace.padEnd(w + 4)}${(r.api ?? 'v1.0').padEnd(8)}${r.root}\n`);
      else for (const r of repos) out(`${r.namespace.padEnd(w + 4)}${r.root}\n`);
      return 0;
    }
    if (sub === 'create') {
      const a = parse('spack repo create', 'repo-create', rest, [opt(['-d', '--subdirectory'], 'subdir', 'value')], [{ dest: 'directory' }, { dest: 'namespace', nargs: '?' }]);
      const root = resolve(a.directory);
      const ns = a.namespace ?? root.split('/').pop();
      if (existsSync(join(root, 'repo.yaml'))) throw new SpackError(`Cannot create repository in ${root}: directory already exists.`, null, { className: 'BadRepoError' });
      mkdirSync(join(root, a.subdir ?? 'packages'), { recursive: true });
      writeFileSync(join(root, 'repo.yaml'), `repo:\n  namespace: '${ns}'\n${a.subdir && a.subdir !== 'packages' ? `  subdirectory: '${a.subdir}'\n` : ''}`);
      out(`==> Created repo with namespace '${ns}'.\n==> To register it with spack, run this command:\n  spack repo add ${root}\n`);
      return 0;
    }
    if (sub === 'remove' || sub === 'rm') {
      const a = parse('spack repo remove', 'repo-remove', rest, [opt('--scope', 'scope', 'value')], [{ dest: 'namespace_or_path' }]);
      const scope = a.scope ? ctx.config.scopeByName(a.scope) : ctx.config.defaultModifyScope();
      const repos = ctx.config.readScopeSection(scope, 'repos') ?? [];
      const { Repo } = reposModule;
      const idx = repos.findIndex((r) => {
        const p = resolve(ctx.config.substitute(r));
        if (p === resolve(a.namespace_or_path)) return true;
        try {
          return new Repo(p).namespace === a.namespace_or_path;
        } catch {
          return false;
        }
      });
      if (idx < 0) throw new Die(`No repository with path or namespace: ${a.namespace_or_path}`);
      const [removed] = repos.splice(idx, 1);
      ctx.config.writeScopeSection(scope, 'repos', repos);
      out(`==> Removed repository ${removed}\n`);
      return 0;
    }
    throw usageErr('spack repo', 'repo', `argument SUBCOMMAND: invalid choice: '${sub ?? ''}'`);
  },

  list(ctx, argv) {
    const a = parse('spack list', 'list', argv, [opt(['-d', '--search-description'], 'desc'), opt(['-v', '--virtuals'], 'virtuals'), opt('--format', 'format', 'value'), opt('--count', 'count'), opt(['-r', '--repo'], 'repos', 'append'), opt(['-t', '--tag'], 'tags', 'append')], [{ dest: 'filter', nargs: '*' }]);
    let names = ctx.repos.allNames();
    if (a.repos.length) names = names.filter((n) => ctx.repos.repos.some((r) => a.repos.includes(r.namespace) && r.has(n)));
    if (a.filter.length) {
      const res = a.filter.map((f) => {
        const pat = f.includes('*') || f.includes('?') ? new RegExp('^' + f.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i') : new RegExp(f.replace(/[.+^${}()|[\]\\]/g, '\\$&'), 'i');
        return pat;
      });
      names = names.filter((n) => res.some((r) => r.test(n)));
    }
    if (a.count) {
      out(`${names.length}\n`);
      return 0;
    }
    if (a.format === 'version_json') {
      out(versionJson(names.map((n) => ctx.repos.get(n)), SPACK_VERSION()));
      return 0;
    }
    if (names.length === 0) {
      // Spack prints nothing but still exits 0 for an empty search
      return 0;
    }
    for (const n of names) out(n + '\n');
    return 0;
  },

  versions(ctx, argv) {
    const a = parse('spack versions', 'versions', argv, [opt(['-s', '--safe'], 'safe'), opt('--safe-only', 'safeonly'), opt(['-r', '--remote'], 'remote'), opt(['-n', '--new'], 'new'), opt(['-j', '--jobs'], 'jobs', 'value')], [{ dest: 'package' }]);
    const [s] = parseSpecs(a.package);
    const pkg = ctx.repos.get(s.name, s.namespace);
    if (!pkg) throw new UnknownPackageError(s.name, s.namespace ?? ctx.repos.repos[0]?.namespace ?? 'builtin');
    return upstreamVersions(pkg, a);
  },

  checksum(ctx, argv) {
    const a = parse('spack checksum', 'checksum', argv, [opt('--keep-stage', 'keepStage'), opt(['-b', '--batch'], 'batch'), opt(['-l', '--latest'], 'latest'), opt(['-p', '--preferred'], 'preferred'), opt(['-a', '--add-to-package'], 'addToPackage'), opt('--verify', 'verify'), opt(['-j', '--jobs'], 'jobs', 'value')], [{ dest: 'package' }, { dest: 'versions', nargs: '*' }]);
    if (a.addToPackage && a.verify) throw new UsageError(usageOf('checksum', 'spack checksum'), 'spack checksum', 'argument --verify: not allowed with argument --add-to-package/-a');
    const [s] = parseSpecs(a.package);
    const pkg = ctx.repos.get(s.name, s.namespace);
    if (!pkg) throw new UnknownPackageError(s.name, s.namespace ?? ctx.repos.repos[0]?.namespace ?? 'builtin');
    return upstreamChecksum(pkg, a, pkg.file, SPACK_VERSION());
  },

  info(ctx, argv) {
    const a = parse('spack info', 'info', argv, [opt(['-a', '--all'], 'all'), opt('--detectable', 'detectable'), opt('--maintainers', 'maintainers'), opt('--no-dependencies', 'nodeps'), opt('--no-variants', 'novariants'), opt('--no-versions', 'noversions'), opt('--phases', 'phases'), opt('--tags', 'tags'), opt('--tests', 'tests'), opt('--virtuals', 'virtuals'), opt('--variants-by-name', 'vbn')], [{ dest: 'package' }]);
    const [s] = parseSpecs(a.package);
    const pkg = ctx.repos.get(s.name, s.namespace);
    if (!pkg) throw new UnknownPackageError(s.name, s.namespace ?? ctx.repos.repos[0]?.namespace ?? 'builtin');
    const versions = [...pkg.versions].sort((x, y) => compareVersions(y.version, x.version));
    const urlOf = (v) => v.url ?? (pkg.url ? urlForVersion(pkg, v.version) : '');
    const safe = versions.filter((v) => !v.deprecated);
    const pref = safe.find((v) => v.preferred) ?? safe[0];
    const w = Math.max(0, ...versions.map((v) => v.version.length)) + 4;
    let o = `${pkg.baseClass}:   ${pkg.name}\n\nDescription:\n`;
    const desc = pkg.description.trim().split('\n').map((l) => l.trim()).join(' ');
    o += `    ${desc || 'None'}\n\nHomepage: ${pkg.homepage ?? ''}\n\n`;
    o += 'Preferred version:  \n';
    o += pref ? `    ${pref.version.padEnd(w)}${urlOf(pref)}\n` : '    None\n';
    o += '\nSafe versions:  \n';
    o += safe.length ? safe.map((v) => `    ${v.version.padEnd(w)}${urlOf(v)}\n`).join('') : '    None\n';
    const dep = versions.filter((v) => v.deprecated);
    o += '\nDeprecated versions:  \n';
    o += dep.length ? dep.map((v) => `    ${v.version.padEnd(w)}${urlOf(v)}\n`).join('') : '    None\n';
    o += '\nVariants:\n';
    const bs = pkg.buildSystems;
    const vrows = [[`build_system [${pkg.defaultBuildSystem}]`, bs.join(', '), 'Build systems supported by the package']];
    for (const v of Object.values(pkg.variants).sort((x, y) => (x.name < y.name ? -1 : 1))) {
      const def = typeof v.default === 'boolean' ? (v.default ? 'true' : 'false') : String(v.default);
      vrows.push([`${v.name} [${def}]`, typeof v.default === 'boolean' ? 'false, true' : String(v.values ?? def), v.description]);
    }
    const vw = Math.max(...vrows.map((r) => r[0].length)) + 8;
    for (const [nd, vals, d] of vrows) o += `    ${nd.padEnd(vw)}${vals}\n        ${d}\n`;
    const byType = (t) => [...new Set(pkg.dependencies.filter((d) => d.type.includes(t)).map((d) => parseSpecs(d.spec)[0].name))].sort();
    for (const [label, t] of [['Build Dependencies', 'build'], ['Link Dependencies', 'link'], ['Run Dependencies', 'run']]) {
      const ds = byType(t);
      o += `\n${label}:\n    ${ds.length ? ds.join('    ') : 'None'}\n`.replace(/    (\S+)    /g, '    $1\n    ');
    }
    if (a.tests) {
      const standalone = testMethods(pkg).standalone.map((m) => `${pkg.className}.${m.name}`);
      o += '\nAvailable Build Phase Test Methods:\n    None\n\nAvailable Install Phase Test Methods:\n    None\n';
      o += `\nStand-Alone/Smoke Test Methods:\n    ${standalone.length ? standalone.join('\n    ') : 'None'}\n`;
    }
    o += `\nLicenses: \n    ${pkg.licenses.length ? pkg.licenses.join(', ') : 'None'} \n\n`;
    out(o);
    return 0;
  },

  spec(ctx, argv) {
    const a = parse('spack spec', 'spec', argv, [opt(['-l', '--long'], 'long'), opt(['-L', '--very-long'], 'veryLong'), opt(['-N', '--namespaces'], 'namespaces'), opt(['-I', '--install-status'], 'installStatus'), opt('--no-install-status', 'noInstallStatus'), opt(['-y', '--yaml'], 'yaml'), opt(['-j', '--json'], 'json'), opt('--format', 'format', 'value'), opt(['-t', '--types'], 'types'), opt(['-U', '--fresh'], 'fresh'), opt('--reuse', 'reuse'), opt('--fresh-roots', 'freshRoots'), opt('--reuse-deps', 'reuseDeps'), opt('--deprecated', 'deprecated'), opt('--cover', 'cover', 'value', { choices: ['nodes', 'edges', 'paths'] })], [{ dest: 'specs', nargs: '*' }]);
    if (!a.specs.length) throw new Die('spack spec requires at least one spec or an active environment');
    const abstract = parseSpecs(a.specs);
    // --fresh-roots concretizes exactly as `spack install --fresh-roots` does (below); `spack spec`
    // takes the flag in both releases (test/fixtures/spack/help/spec.txt and test/fixtures/spack-1.1/help/spec.txt, copied from the recordings).
    const nodes = concretizeAll(ctx, abstract, a.fresh ? { reuseCandidates: [] } : a.freshRoots || a.reuseDeps ? { reuseCandidates: gatherReuseCandidates(ctx).filter((c) => !abstract.some((s) => s.name === c.node.name)) } : {});
    if (a.json || a.yaml) {
      for (const n of nodes) out(a.json ? JSON.stringify(n.toSpecDict()) + '\n' : dumpYaml(n.toSpecDict()));
      return 0;
    }
    if (a.format) {
      for (const n of nodes) out(formatSpec(n, a.format, { prefixOf: (x) => ctx.prefixOf(x) }) + '\n');
      return 0;
    }
    const hashes = a.veryLong ? 32 : a.long ? 7 : 0;
    const status = a.noInstallStatus
      ? null
      : (n) => (n.external ? '[e]  ' : ctx.db.isInstalled(n.hash) && existsSync(ctx.prefixOf(n)) ? '[+]  ' : ' -   ');
    abstract.forEach((s, i) => {
      out('Input spec\n--------------------------------\n');
      const inputLine = a.namespaces ? `${s.namespace ?? ''}.${abstractToString(s)}` : abstractToString(s);
      out(`${status ? ' -   ' : ''}${inputLine}\n`);
      out('\nConcretized\n--------------------------------\n');
      for (const l of treeLines(nodes[i], { status, hashes, namespaces: a.namespaces })) out(l + '\n');
      out('\n');
    });
    return 0;
  },

  install(ctx, argv) {
    const a = parse(
      'spack install',
      'install',
      argv,
      [
        opt('--only', 'only', 'value', { choices: ['package', 'dependencies'] }),
        opt(['-u', '--until'], 'until', 'value'),
        opt(['-j', '--jobs'], 'jobs', 'value'),
        opt('--overwrite', 'overwrite'),
        opt('--fail-fast', 'failFast'),
        opt('--keep-prefix', 'keepPrefix'),
        opt('--keep-stage', 'keepStage'),
        opt('--dont-restage', 'dontRestage'),
        opt('--use-cache', 'useCache'),
        opt('--no-cache', 'noCache'),
        opt('--cache-only', 'cacheOnly'),
        opt('--use-buildcache', 'useBuildcache', 'value'),
        opt('--include-build-deps', 'includeBuildDeps'),
        opt('--no-check-signature', 'noCheckSignature'),
        opt('--show-log-on-error', 'showLog'),
        opt('--source', 'source'),
        opt(['-n', '--no-checksum'], 'noChecksum'),
        opt(['-v', '--verbose'], 'verbose'),
        opt('--fake', 'fake'),
        opt('--only-concrete', 'onlyConcrete'),
        opt('--add', 'add'),
        opt('--no-add', 'noAdd'),
        isV1() ? opt(['-f', '--force'], 'force') : opt(['-f', '--file'], 'files', 'append'),
        opt('--clean', 'clean'),
        opt('--dirty', 'dirty'),
        opt('--test', 'test', 'value', { choices: ['root', 'all'] }),
        opt('--log-format', 'logFormat', 'value', { choices: ['junit', 'cdash'] }),
        opt('--log-file', 'logFile', 'value'),
        opt(['-y', '--yes-to-all'], 'yes'),
        opt(['-U', '--fresh'], 'fresh'),
        opt('--reuse', 'reuse'),
        opt('--fresh-roots', 'freshRoots'),
        opt('--reuse-deps', 'reuseDeps'),
        opt('--deprecated', 'deprecated'),
      ],
      [{ dest: 'specs', nargs: '*' }],
    );
    let pkgMode = 'auto';
    let depMode = 'auto';
    if (a.cacheOnly) pkgMode = depMode = 'only';
    if (a.noCache) pkgMode = depMode = 'never';
    if (a.useBuildcache) {
      for (const part of a.useBuildcache.split(',')) {
        const m = part.trim().match(/^(?:(package|dependencies):)?(auto|only|never)$/);
        if (!m) {
          throw usageErr('spack install', 'install', `argument --use-buildcache: invalid argument: '${a.useBuildcache}'`);
        }
        if (!m[1]) pkgMode = depMode = m[2];
        else if (m[1] === 'package') pkgMode = m[2];
        else depMode = m[2];
      }
    }
    // Spack 1.1 (transcript 153): -f is --force, which needs an environment (an argparse-level error, exit 3)
    if (a.force) throw Object.assign(new Die("argument '--force' requires an environment"), { exitCode: 3 });
    // Spack 1.x (transcript 154): a spec argument that is a path ending in .json is a concrete spec file
    if (isV1()) {
      a.files = a.specs.filter((x) => /\.json$/.test(x) && (x.includes('/') || existsSync(x)));
      a.specs = a.specs.filter((x) => !a.files.includes(x));
    }
    if (!a.specs.length && !(a.files ?? []).length) throw new Die('install requires a package argument or active environment');
    const abstract = a.specs.length ? parseSpecs(a.specs) : [];
    // --fresh-roots (--reuse-deps): the roots concretize as if nothing of them were installed (transcript 120's --fresh for the root).
    const reuse = a.fresh ? { reuseCandidates: [] } : a.freshRoots || a.reuseDeps ? { reuseCandidates: gatherReuseCandidates(ctx).filter((c) => !abstract.some((s) => s.name === c.node.name)) } : {};
    const nodes = abstract.length ? concretizeAll(ctx, abstract, reuse) : [];
    // -f FILE: concrete specs from JSON files, installed exactly as written (as Spack does).
    for (const file of a.files ?? []) {
      let data;
      try {
        data = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new Die(`${file}: ${e.code === 'ENOENT' ? 'No such file or directory' : e.message}`);
      }
      nodes.push(nodeFromSpecDict(data));
    }
    const gpg = new Gpg(ctx.gpgHome);
    installSpecs(ctx, gpg, nodes, {
      packageUseCache: pkgMode !== 'never',
      depsUseCache: depMode !== 'never',
      packageCacheOnly: pkgMode === 'only',
      depsCacheOnly: depMode === 'only',
      unsigned: a.noCheckSignature ? true : null,
      failFast: a.failFast,
      includeBuildDeps: a.includeBuildDeps,
      tests: a.test,
      junit: a.logFormat === 'junit' && a.logFile ? a.logFile : null,
    });
    return 0;
  },

  find(ctx, argv) {
    const a = parse(
      'spack find',
      'find',
      argv,
      [
        opt(['-d', '--deps'], 'deps'),
        opt(['-p', '--paths'], 'paths'),
        opt(['-l', '--long'], 'long'),
        opt(['-L', '--very-long'], 'veryLong'),
        opt(['-N', '--namespaces'], 'namespaces'),
        opt(['-r', '--only-roots'], 'onlyRoots'),
        opt(['-c', '--show-concretized'], 'showConcretized'),
        opt(['-f', '--show-flags'], 'showFlags'),
        opt(['-u', '--unknown'], 'unknown_'),
        opt(['-m', '--missing'], 'missing'),
        opt(['-v', '--variants'], 'variants'),
        opt(['-M', '--only-missing'], 'onlyMissing'),
        opt('--format', 'format', 'value'),
        opt(['-H', '--hashes'], 'hashes'),
        opt('--json', 'json'),
        opt('--groups', 'groups_'),
        opt('--no-groups', 'noGroups'),
        opt(['-t', '--tag'], 'tags', 'append'),
        opt('--show-full-compiler', 'fullCompiler'),
        opt(['-x', '--explicit'], 'explicit'),
        opt(['-X', '--implicit'], 'implicit'),
        opt('--loaded', 'loaded'),
        opt('--deprecated', 'deprecated'),
        opt('--only-deprecated', 'onlyDeprecated'),
        opt('--install-tree', 'installTree', 'value'),
        opt('--start-date', 'startDate', 'value'),
        opt('--end-date', 'endDate', 'value'),
      ],
      [{ dest: 'specs', nargs: '*' }],
    );
    const exclusive = [a.format !== null && '--format', a.hashes && '-H/--hashes', a.json && '--json'].filter(Boolean);
    if (exclusive.length > 1) throw usageErr('spack find', 'find', `argument ${exclusive[1]}: not allowed with argument ${exclusive[0]}`);
    const db = ctx.db;
    let nodes = db.installedNodes();
    const abstract = a.specs.length ? parseSpecs(a.specs) : [];
    if (abstract.length) nodes = nodes.filter((n) => abstract.some((c) => satisfies(n, c)));
    if (a.explicit) nodes = nodes.filter((n) => db.installs[n.hash].explicit);
    if (a.implicit) nodes = nodes.filter((n) => !db.installs[n.hash].explicit);
    if (a.loaded) {
      const loaded = (process.env.SPACK_LOADED_HASHES ?? '').split(':');
      nodes = nodes.filter((n) => loaded.includes(n.hash));
    }
    if (!nodes.length && abstract.length) throw new Die(`No package matches the query: ${abstract.map((s) => abstractToString(s)).join(' ')}`);
    if (a.json) {
      let list = sortNodes(nodes);
      if (a.deps) {
        const seen = new Map();
        for (const n of list) for (const x of n.traverse()) seen.set(x.hash, x);
        list = sortNodes([...seen.values()]);
      }
      out(JSON.stringify(list.map((n) => n.dict)));
      return 0;
    }
    if (a.hashes) a.format = '{/hash}';
    if (process.stdout.isTTY && !a.format && !a.noGroups) out(`==> ${nodes.length} ${a.loaded ? 'loaded' : 'installed'} package${nodes.length === 1 ? '' : 's'}\n`);
    displaySpecs(ctx, nodes, {
      long: a.long,
      veryLong: a.veryLong,
      namespaces: a.namespaces,
      variants: a.variants,
      paths: a.paths,
      deps: a.deps,
      format: a.format,
      groups: a.format ? false : !a.noGroups,
    });
    return 0;
  },

  uninstall(ctx, argv) {
    const a = parse('spack uninstall', 'uninstall', argv, [opt(['-f', '--force'], 'force'), opt('--remove', 'remove'), opt(['-R', '--dependents'], 'dependents'), opt(['-y', '--yes-to-all'], 'yes'), opt(['-a', '--all'], 'all'), opt('--origin', 'origin', 'value')], [{ dest: 'specs', nargs: '*' }]);
    const db = ctx.db;
    if (!a.specs.length && !a.all) {
      throw new Die('uninstall requires at least one package argument.', '  Use `spack uninstall --all` to uninstall ALL packages.');
    }
    const abstract = a.specs.length ? parseSpecs(a.specs) : [null];
    const matching = [];
    let hasErrors = false;
    for (const c of abstract) {
      const m = c ? installedMatching(ctx, c) : db.installedNodes();
      if (!a.all && m.length > 1) {
        err(`==> Error: ${abstractToString(c)} matches multiple packages:\n`);
        err('\n');
        displaySpecs(ctx, m, { long: true, indent: 4 }, err, out);
        err('\n');
        hasErrors = true;
      }
      if (m.length === 0 && c) throw new Die(`${abstractToString(c)} does not match any installed packages.`);
      for (const n of m) if (!matching.some((x) => x.hash === n.hash)) matching.push(n);
    }
    if (hasErrors) {
      err('==> Error: You can either:\n    a) use a more specific spec, or\n    b) specify the spec by its hash (e.g. `spack uninstall /hash`), or\n    c) use `spack uninstall --all` to uninstall ALL matching specs.\n\n');
      throw new Exit(1);
    }
    // installed dependents (all dependency types, transitively)
    const all = db.installedNodes();
    const parentsOf = (n) => all.filter((p) => p.deps.some((e) => e.node.hash === n.hash));
    const dependents = [];
    const queue = [...matching];
    const seen = new Set(matching.map((n) => n.hash));
    while (queue.length) {
      const n = queue.shift();
      for (const p of parentsOf(n)) {
        if (seen.has(p.hash)) continue;
        seen.add(p.hash);
        dependents.push(p);
        queue.push(p);
      }
    }
    if (dependents.length && !a.dependents && !a.force) {
      out('==> Refusing to uninstall the following specs\n');
      displaySpecs(ctx, matching, { long: true, indent: 4 });
      out('\n==> The following dependents are still installed:\n');
      displaySpecs(ctx, dependents, { long: true, indent: 4 });
      out('\n');
      throw new Die('There are still dependents.', 'use `spack uninstall --dependents` to remove dependents too', 'use `spack uninstall --force` to override');
    }
    const toRemove = a.dependents ? [...matching, ...dependents] : matching;
    if (!a.yes) {
      out('==> The following packages will be uninstalled:\n\n');
      displaySpecs(ctx, toRemove, { long: true, indent: 4 });
      out('==> Do you want to proceed? [y/N] ');
      let answer = '';
      try {
        answer = readFileSync(0, 'utf8').split('\n')[0].trim();
      } catch {
        answer = '';
      }
      out('\n');
      if (!/^y(es)?$/i.test(answer)) {
        out('==> Aborting uninstallation\n');
        return 0;
      }
    }
    // dependents first: order by number of installed dependents in the removal set
    const remaining = [...toRemove];
    while (remaining.length) {
      const count = (n) => remaining.filter((p) => p.traverse({ root: false }).some((x) => x.hash === n.hash)).length;
      const ready = remaining.filter((n) => count(n) === 0 || a.force);
      const batch = ready.length ? ready : remaining;
      batch.sort((x, y) => allDependentsCount(all, x) - allDependentsCount(all, y) || (x.name < y.name ? -1 : 1));
      const n = batch[0];
      if (!n.external) rmSync(ctx.prefixOf(n), { recursive: true, force: true });
      db.remove(n.hash);
      db.save();
      out(`==> Successfully uninstalled ${shortSpec(n)}\n`);
      remaining.splice(remaining.indexOf(n), 1);
    }
    return 0;
  },

  location(ctx, argv) {
    const a = parse('spack location', 'location', argv, [opt(['-m', '--module-dir'], 'moduleDir'), opt(['-r', '--spack-root'], 'spackRoot'), opt(['-i', '--install-dir'], 'installDir'), opt(['-p', '--package-dir'], 'packageDir'), opt(['-P', '--packages'], 'packages'), opt(['-s', '--stage-dir'], 'stageDir'), opt(['-S', '--stages'], 'stages'), opt(['-c', '--source-dir'], 'sourceDir'), opt(['-b', '--build-dir'], 'buildDir'), opt(['-e', '--env'], 'env', 'value'), opt('--first', 'first')], [{ dest: 'spec', nargs: '*' }]);
    if (a.spackRoot) {
      out(ctx.spackRoot + '\n');
      return 0;
    }
    if (a.packages) {
      out(ctx.repos.repos[0].root + '\n');
      return 0;
    }
    if (a.stages) {
      out(ctx.stageRoot + '\n');
      return 0;
    }
    if (!a.spec.length) throw new Die('You must supply a spec.');
    const abstract = parseSpecs(a.spec);
    if (abstract.length !== 1) throw new Die('Too many specs.  Supply only one.');
    if (a.packageDir) {
      const pkg = ctx.repos.get(abstract[0].name);
      if (!pkg) throw new UnknownPackageError(abstract[0].name, ctx.repos.repos[0]?.namespace ?? 'builtin');
      out(join(pkg.repo.packagesDir, pkg.name) + '\n');
      return 0;
    }
    const n = disambiguate(ctx, abstract[0], a.first);
    out(ctx.prefixOf(n) + '\n');
    return 0;
  },

  load(ctx, argv) {
    const a = parse('spack load', 'load', argv, [opt('--sh', 'sh'), opt('--csh', 'csh'), opt('--fish', 'fish'), opt('--bat', 'bat'), opt('--pwsh', 'pwsh'), opt('--first', 'first'), opt('--only', 'only', 'value', { choices: ['package', 'dependencies'] }), opt('--list', 'list')], [{ dest: 'specs', nargs: '*' }]);
    const shell = a.sh ? 'sh' : a.csh ? 'csh' : a.fish ? 'fish' : a.bat ? 'bat' : a.pwsh ? 'pwsh' : null;
    if (!shell) {
      const specs = a.specs.join(' ');
      const r = ctx.spackRoot;
      throw new Die(
        "`spack load` requires Spack's shell support.\n  \n  To set up shell support, run the command below for your shell.\n  \n  For bash/zsh/sh:\n    . " +
          `${r}/share/spack/setup-env.sh\n  \n  For csh/tcsh:\n    source ${r}/share/spack/setup-env.csh\n  \n  For fish:\n    source ${r}/share/spack/setup-env.fish\n  \n  For Windows batch:\n    ${r}/bin\\spack_cmd.bat\n  \n  For PowerShell:\n    ${r}/share/spack\\setup-env.ps1\n  \n  Or, if you do not want to use shell support, run one of these instead:\n  \n      eval \`spack load --sh   ${specs}\`  # bash/zsh/sh\n      eval \`spack load --csh  ${specs}\`  # csh/tcsh\n      eval \`spack load --fish ${specs}\`  # fish\n      eval \`spack load --bat  ${specs}\`  # batch\n      eval \`spack load --pwsh ${specs}\`  # powershell\n  \n  If you have already set up Spack's shell support but still receive\n  this message, please make sure to call Spack via the \`spack\` command\n  without any path components (such as \`bin/spack\`).\n  `,
      );
    }
    if (!a.specs.length) throw new Die('spack load requires at least one spec');
    const roots = parseSpecs(a.specs).map((s) => disambiguate(ctx, s, a.first));
    const nodes = [];
    for (const r of roots) for (const n of r.traverse({ deptypes: ['link', 'run'] })) if (!n.external && !nodes.some((x) => x.hash === n.hash)) nodes.push(n);
    const env = { ...process.env };
    const prepend = (k, v) => {
      env[k] = env[k] ? `${v}:${env[k]}` : v;
    };
    const changed = new Set();
    for (const n of [...nodes].reverse()) {
      const p = ctx.prefixOf(n);
      if (existsSync(join(p, 'bin'))) {
        prepend('PATH', join(p, 'bin'));
        changed.add('PATH');
      }
      prepend('CMAKE_PREFIX_PATH', p);
      changed.add('CMAKE_PREFIX_PATH');
      if (existsSync(join(p, 'lib', 'pkgconfig'))) {
        prepend('PKG_CONFIG_PATH', join(p, 'lib', 'pkgconfig'));
        changed.add('PKG_CONFIG_PATH');
      }
    }
    const loaded = (process.env.SPACK_LOADED_HASHES ?? '').split(':').filter(Boolean);
    env.SPACK_LOADED_HASHES = [...roots.map((r) => r.hash), ...loaded.filter((h) => !roots.some((r) => r.hash === h))].join(':');
    changed.add('SPACK_LOADED_HASHES');
    const q = (v) => (/^[A-Za-z0-9_\-./:=@+,]*$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);
    for (const k of [...changed].sort()) {
      if (shell === 'sh') out(`export ${k}=${q(env[k])};\n`);
      else if (shell === 'csh') out(`setenv ${k} ${q(env[k])};\n`);
      else if (shell === 'fish') out(`set -gx ${k} ${env[k].split(':').map(q).join(' ')};\n`);
      else if (shell === 'bat') out(`set "${k}=${env[k]}"\n`);
      else out(`$Env:${k}="${env[k]}"\n`);
    }
    return 0;
  },

  gpg(ctx, argv) {
    const sub = argv[0];
    const rest = argv.slice(1);
    const gpg = new Gpg(ctx.gpgHome);
    switch (sub) {
      case 'create': {
        const a = parse('spack gpg create', 'gpg-create', rest, [opt('--comment', 'comment', 'value', { default: 'GPG created for Spack' }), opt('--expires', 'expires', 'value', { default: '0' }), opt('--export', 'export', 'value'), opt('--export-secret', 'exportSecret', 'value')], [{ dest: 'name' }, { dest: 'email' }]);
        gpg.create({ name: a.name, email: a.email, comment: a.comment, expires: a.expires });
        if (a.export || a.exportSecret) {
          const fp = gpg.signingKeys().slice(-1);
          if (a.export) gpg.export(a.export, fp, false);
          if (a.exportSecret) gpg.export(a.exportSecret, fp, true);
        }
        return 0;
      }
      case 'list': {
        const a = parse('spack gpg list', 'gpg-list', rest, [opt('--trusted', 'trusted'), opt('--signing', 'signing')]);
        if (!a.trusted && !a.signing) a.trusted = true;
        gpg.list(a);
        return 0;
      }
      case 'export': {
        const a = parse('spack gpg export', 'gpg-export', rest, [opt('--secret', 'secret')], [{ dest: 'location' }, { dest: 'keys', nargs: '*' }]);
        gpg.export(a.location, a.keys, a.secret);
        return 0;
      }
      case 'trust': {
        const a = parse('spack gpg trust', 'gpg-trust', rest, [], [{ dest: 'keyfile' }]);
        gpg.trust(a.keyfile);
        return 0;
      }
      case 'untrust': {
        const a = parse('spack gpg untrust', 'gpg-untrust', rest, [opt('--signing', 'signing')], [{ dest: 'keys', nargs: '+' }]);
        gpg.untrust(a.signing, a.keys);
        return 0;
      }
      case 'init': {
        parse('spack gpg init', 'gpg-init', rest, [opt('--from', 'from', 'value')]);
        gpg.init();
        return 0;
      }
      case 'sign':
      case 'verify':
      case 'publish':
        throw new SpackError(`The Spack stand-in does not implement \`spack gpg ${sub}\``);
      default:
        throw usageErr('spack gpg', 'gpg', `argument SUBCOMMAND: invalid choice: '${sub ?? ''}' (choose from 'verify', 'trust', 'untrust', 'sign', 'create', 'list', 'init', 'export', 'publish')`);
    }
  },

  mirror(ctx, argv) {
    const sub = argv[0];
    const rest = argv.slice(1);
    if (sub === 'add') {
      const a = parse('spack mirror add', 'mirror-add', rest, [opt('--scope', 'scope', 'value'), opt('--type', 'type', 'append', { choices: ['binary', 'source'] }), opt('--autopush', 'autopush'), opt('--unsigned', 'unsigned'), opt('--signed', 'signed'), opt('--s3-access-key-id', 's3id', 'value'), opt('--s3-access-key-secret', 's3secret', 'value'), opt('--s3-access-token', 's3token', 'value'), opt('--s3-profile', 's3profile', 'value'), opt('--s3-endpoint-url', 's3endpoint', 'value'), opt('--oci-username', 'ociUser', 'value'), opt('--oci-password', 'ociPass', 'value')], [{ dest: 'name' }, { dest: 'url' }]);
      if (a.unsigned && a.signed) throw usageErr('spack mirror add', 'mirror-add', 'argument --signed: not allowed with argument --unsigned');
      const scope = a.scope ? ctx.config.scopeByName(a.scope) : ctx.config.defaultModifyScope();
      const mirrors = ctx.config.readScopeSection(scope, 'mirrors') ?? {};
      if (Object.prototype.hasOwnProperty.call(mirrors, a.name)) throw new Die(`Mirror with name ${a.name} already exists.`);
      let entry = a.url;
      if (a.unsigned || a.signed || a.type.length || a.autopush) {
        entry = { url: a.url };
        if (a.type.length === 1) {
          entry.binary = a.type.includes('binary');
          entry.source = a.type.includes('source');
        }
        if (a.autopush) entry.autopush = true;
        if (a.unsigned) entry.signed = false;
        if (a.signed) entry.signed = true;
      }
      mirrors[a.name] = entry;
      ctx.config.writeScopeSection(scope, 'mirrors', mirrors);
      return 0;
    }
    if (sub === 'remove' || sub === 'rm') {
      const a = parse('spack mirror remove', 'mirror-remove', rest, [opt('--scope', 'scope', 'value')], [{ dest: 'name' }]);
      const scope = a.scope ? ctx.config.scopeByName(a.scope) : ctx.config.defaultModifyScope();
      const mirrors = ctx.config.readScopeSection(scope, 'mirrors') ?? {};
      if (!Object.prototype.hasOwnProperty.call(mirrors, a.name)) throw new Die(`No mirror with name ${a.name}`);
      delete mirrors[a.name];
      ctx.config.writeScopeSection(scope, 'mirrors', mirrors);
      out(`==> Removed mirror ${a.name}.\n`);
      return 0;
    }
    if (sub === 'list') {
      parse('spack mirror list', 'mirror-list', rest, [opt('--scope', 'scope', 'value')]);
      const ms = mirrorCollection(ctx, { binary: false });
      if (!ms.length) {
        out('==> No mirrors configured.\n');
        return 0;
      }
      const w = Math.max(...ms.map((m) => m.name.length));
      for (const m of ms) {
        const flags = `[${m.source ? 's' : ' '}${m.binary ? 'b' : ' '}]`;
        if (m.fetchUrl === m.pushUrl) out(`${m.name.padEnd(w)} ${flags} ${m.fetchUrl}\n`);
        else out(`${m.name.padEnd(w)} ${flags} ${m.fetchUrl} (fetch)\n${' '.repeat(w)} ${flags} ${m.pushUrl} (push)\n`);
      }
      return 0;
    }
    throw usageErr('spack mirror', 'mirror', `argument SUBCOMMAND: invalid choice: '${sub ?? ''}'`);
  },

  buildcache(ctx, argv) {
    const sub = argv[0];
    const rest = argv.slice(1);
    const gpg = new Gpg(ctx.gpgHome);
    switch (sub) {
      case 'push':
      case 'create': {
        const a = parse('spack buildcache push', 'buildcache-push', rest, [opt(['-f', '--force'], 'force'), opt('--allow-root', 'allowRoot'), opt(['-a'], 'allowRoot2'), opt(['-u', '--unsigned'], 'unsigned'), opt('--signed', 'signed'), opt(['-k', '--key'], 'key', 'value'), opt('--update-index', 'updateIndex'), opt('--rebuild-index', 'updateIndex2'), opt('--spec-file', 'specFile', 'value'), opt('--only', 'only', 'value', { choices: ['package', 'dependencies'] }), opt('--fail-fast', 'failFast'), opt('--base-image', 'baseImage', 'value'), opt('--tag', 'tag', 'value'), opt('--private', 'private'), opt(['-j', '--jobs'], 'jobs', 'value'), ...(isV1() ? [opt('--with-build-dependencies', 'withBuild'), opt('--without-build-dependencies', 'withoutBuild')] : [])], [{ dest: 'mirror' }, { dest: 'specs', nargs: '*' }]);
        if (a.withBuild && a.withoutBuild) throw usageErr('spack buildcache push', 'buildcache-push', 'argument --without-build-dependencies: not allowed with argument --with-build-dependencies');
        const ex = [a.unsigned && '--unsigned', a.signed && '--signed', a.key && '--key'].filter(Boolean);
        if (ex.length > 1) throw usageErr('spack buildcache push', 'buildcache-push', `argument ${ex[1]}: not allowed with argument ${ex[0]}`);
        const mirror = mirrorFromArg(ctx, a.mirror);
        if (!a.specs.length) throw new Die('`spack buildcache push` requires an environment', 'activate an environment first:', '    spack env activate ENV', 'or use:', '    spack -e ENV buildcache push ...');
        const roots = parseSpecs(a.specs).map((s) => disambiguate(ctx, s, false));
        const unsigned = !a.signed && !a.key ? (a.unsigned ? true : !mirror.signed) : false;
        if (mirror.pushUrl.startsWith('oci://')) throw new SpackError('The Spack stand-in does not support OCI build caches (oci:// mirrors)');
        const things = a.only ? [a.only] : ['package', 'dependencies'];
        refuseUnknownNamespaces(ctx, roots);
        if (isV1()) return pushV1(ctx, gpg, roots, mirror, a, { unsigned, things });
        const specs = [];
        const seen = new Set();
        const queue = roots.map((r) => [r, true]);
        // breadth-first over all deps, roots first, installed non-externals only
        while (queue.length) {
          const [n, isRoot] = queue.shift();
          if (seen.has(n.hash)) continue;
          seen.add(n.hash);
          if ((isRoot && things.includes('package')) || (!isRoot && things.includes('dependencies'))) {
            if (!n.external && ctx.db.isInstalled(n.hash)) specs.push(n);
          }
          if (things.includes('dependencies')) for (const e of n.sortedDeps()) queue.push([e.node, false]);
        }
        if (specs.length > 1) out(`==> Selected ${specs.length} specs to push to ${mirror.pushUrl}\n`);
        // Spack 0.23 picks the signing key once, when it creates the uploader
        const signKey = unsigned ? null : a.key ?? selectSigningKey(gpg);
        const skipped = [];
        const failed = [];
        const fmt = (n) => formatSpec(n, '{name}{@version}{/hash:7}');
        specs.forEach((n, i) => {
          try {
            pushSpec(ctx, gpg, n, mirror, { unsigned, key: signKey, force: a.force });
            const digits = String(specs.length).length;
            let msg = `${specs.length > 1 ? `[${String(i + 1).padStart(digits)}/${specs.length}] ` : ''}Pushed ${fmt(n)}`;
            if (specs.length === 1) msg += ` to ${mirror.pushUrl}`;
            out(`==> ${msg}\n`);
          } catch (e) {
            if (e.noOverwrite) skipped.push(fmt(n));
            else if (a.failFast || ['PickKeyException', 'NoKeyException'].includes(e.className)) throw e;
            else failed.push([fmt(n), e]);
          }
        });
        if (skipped.length) {
          if (specs.length === 1) out('==> The spec is already in the buildcache. Use --force to overwrite it.\n');
          else if (skipped.length === specs.length) out('==> All specs are already in the buildcache. Use --force to overwrite them.\n');
          else out(`==> The following ${skipped.length} specs were skipped as they already exist in the buildcache:\n    ${skipped.join(', ')}\n    Use --force to overwrite them.\n`);
        }
        if (failed.length === 1) throw failed[0][1];
        if (failed.length > 1) throw new SpackError(`The following ${failed.length} errors occurred while pushing specs to the buildcache`, failed.map(([s, e]) => `    ${s}: ${e.className ?? 'Error'}: ${e.message}`).join('\n'));
        if ((a.updateIndex || a.updateIndex2) && skipped.length < specs.length) generateIndex(urlToPath(mirror.pushUrl));
        else if ((a.updateIndex || a.updateIndex2) && specs.length === 0) generateIndex(urlToPath(mirror.pushUrl));
        return 0;
      }
      case 'list': {
        const a = parse('spack buildcache list', 'buildcache-list', rest, [opt(['-l', '--long'], 'long'), opt(['-L', '--very-long'], 'veryLong'), opt(['-N', '--namespaces'], 'namespaces'), opt(['-v', '--variants'], 'variants'), opt(['-a', '--allarch'], 'allarch')], [{ dest: 'specs', nargs: '*' }]);
        let nodes = allCachedNodes(ctx, { warn: true });
        if (!a.allarch) nodes = nodes.filter((n) => n.platform === ctx.arch.platform && n.os === ctx.arch.os && n.target === ctx.arch.target);
        if (a.specs.length) {
          const cs = parseSpecs(a.specs);
          nodes = nodes.filter((n) => cs.some((c) => satisfies(n, c)));
        }
        if (!nodes.length) return 0;
        if (process.stdout.isTTY) out(`==> ${nodes.length} cached build${nodes.length === 1 ? '' : 's'}.\n`);
        displaySpecs(ctx, nodes, { long: a.long, veryLong: a.veryLong, namespaces: a.namespaces, variants: a.variants });
        return 0;
      }
      case 'keys': {
        const a = parse('spack buildcache keys', 'buildcache-keys', rest, [opt(['-i', '--install'], 'install'), opt(['-t', '--trust'], 'trust'), opt(['-f', '--force'], 'force')]);
        const mirrors = mirrorCollection(ctx);
        if (!mirrors.length) throw new Die('Please add a spack mirror to allow download of build caches.');
        if (isV1()) {
          for (const m of mirrors) if (m.fetchUrl.startsWith('file://')) fetchKeysV3(ctx, gpg, m, { install: a.install, trust: a.trust });
          return 0;
        }
        for (const m of mirrors) {
          if (!m.fetchUrl.startsWith('file://')) continue;
          const root = urlToPath(m.fetchUrl);
          const idx = join(root, 'build_cache', '_pgp', 'index.json');
          if (!existsSync(idx)) continue;
          const keys = JSON.parse(readFileSync(idx, 'utf8')).keys ?? {};
          for (const fpr of Object.keys(keys)) {
            const src = join(root, 'build_cache', '_pgp', `${fpr}.pub`);
            const stageDir = join(ctx.stageRoot, 'build_cache');
            const dest = join(stageDir, `${fpr}.pub`);
            if (existsSync(dest) && a.force) rmSync(dest);
            if (!existsSync(dest)) {
              if (!existsSync(src)) continue;
              mkdirSync(stageDir, { recursive: true });
              writeFileSync(dest, readFileSync(src));
              out(`==> Fetching ${urlJoin(m.fetchUrl, 'build_cache', '_pgp', `${fpr}.pub`)}\n`);
            }
            if (a.install && a.trust) gpg.trust(dest);
          }
        }
        return 0;
      }
      case 'update-index':
      case 'rebuild-index': {
        const a = parse('spack buildcache update-index', 'buildcache-update-index', rest, [opt(['-k', '--keys'], 'keys')], [{ dest: 'mirror' }]);
        const mirror = mirrorFromArg(ctx, a.mirror);
        const root = urlToPath(mirror.pushUrl);
        if (isV1()) {
          generateIndexV3(root, mirror.pushUrl);
          if (a.keys) generateKeyIndexV3(root);
          return 0;
        }
        generateIndex(root);
        if (a.keys) generateKeyIndex(root);
        return 0;
      }
      case 'check': {
        const a = parse('spack buildcache check', 'buildcache-check', rest, [opt(['-m', '--mirror-url'], 'mirrorUrl', 'value'), opt(['-o', '--output-file'], 'outputFile', 'value'), opt('--scope', 'scope', 'value'), opt(['-s', '--spec'], 'spec', 'value'), opt('--spec-file', 'specFile', 'value')], [{ dest: 'specs', nargs: '*' }]);
        let specArgs = a.specs;
        if (a.spec) {
          tty.warn(`The flag \`--spec\` is deprecated and will be removed in Spack 0.23. Use \`spack buildcache check ${a.spec}\` instead.`);
          specArgs = [a.spec];
        }
        if (!specArgs.length) throw new Die('`spack buildcache check` requires an environment', 'activate an environment first:', '    spack env activate ENV', 'or use:', '    spack -e ENV buildcache check ...');
        const nodes = concretizeAll(ctx, parseSpecs(specArgs));
        const mirrors = a.mirrorUrl ? [new Mirror('additionalMirrorUrl', { url: a.mirrorUrl })] : mirrorCollection(ctx);
        if (!mirrors.length) throw new Die('Please provide or add a spack mirror to allow download of buildcache entries.');
        const rebuilds = {};
        for (const m of mirrors) {
          const root = urlToPath(m.fetchUrl);
          for (const n of nodes) {
            for (const x of n.traverse()) {
              if (x.external) continue;
              const bc = join(root, 'build_cache');
              const base = `${x.archStr}-${x.compiler.name}-${x.compiler.version}-${x.name}-${x.version}-${x.hash}`;
              // Spack 0.23 only reads the unsigned .spec.json here
              if (!existsSync(join(bc, `${base}.spec.json`)) && x === n) {
                rebuilds[m.fetchUrl] = rebuilds[m.fetchUrl] ?? { mirrorName: m.name, mirrorUrl: m.fetchUrl, rebuildSpecs: [] };
                rebuilds[m.fetchUrl].rebuildSpecs.push({ short_spec: shortSpec(x), hash: x.hash });
              }
            }
          }
        }
        if (Object.keys(rebuilds).length) {
          if (a.outputFile) writeFileSync(a.outputFile, JSON.stringify(rebuilds).replace(/":/g, '": ').replace(/,"/g, ', "'));
          return 1;
        }
        return 0;
      }
      default:
        throw usageErr('spack buildcache', 'buildcache', `argument SUBCOMMAND: invalid choice: '${sub ?? ''}'`);
    }
  },
};

import * as reposModule from './repo.mjs';
import { UsageError } from './util.mjs';
import { usageOf } from './args.mjs';

// Spack needs the recipe of every spec it pushes (transcripts 161, 161b, both releases): an
// installed spec whose namespace no configured repository provides is refused before any push.
function refuseUnknownNamespaces(ctx, roots) {
  const seen = new Set();
  const visit = (n) => {
    if (seen.has(n.hash)) return;
    seen.add(n.hash);
    if (!n.external && ctx.db.isInstalled(n.hash) && n.namespace && !ctx.repos.repos.some((r) => r.namespace === n.namespace)) {
      throw new SpackError(`Unknown namespace: ${n.namespace}`, null, { className: 'UnknownNamespaceError' });
    }
    for (const e of n.sortedDeps()) visit(e.node);
  };
  for (const r of roots) visit(r);
}

// Spack 1.x `buildcache push` (transcripts 21, 22, 63, 63b): layout v3, build dependencies
// included unless --without-build-dependencies; a selected spec that is not installed fails
// the push ("package not installed", exit 1) after the others were pushed.
function pushV1(ctx, gpg, roots, mirror, a, { unsigned, things }) {
  if (mirror.pushUrl.startsWith('oci://')) throw new SpackError('The Spack stand-in does not support OCI build caches (oci:// mirrors)');
  const root = urlToPath(mirror.pushUrl);
  const specs = [];
  const missing = [];
  const seen = new Set();
  const types = a.withoutBuild ? ['link', 'run'] : ['build', 'link', 'run'];
  const visit = (n, isRoot) => {
    if (seen.has(n.hash)) return;
    seen.add(n.hash);
    if (things.includes('dependencies')) for (const e of n.sortedDeps()) if (e.deptypes.some((t) => types.includes(t))) visit(e.node, false);
    if ((isRoot && things.includes('package')) || (!isRoot && things.includes('dependencies'))) {
      if (n.external) return;
      if (ctx.db.isInstalled(n.hash)) specs.push(n);
      else missing.push(n);
    }
  };
  for (const r of roots) visit(r, true);
  const total = specs.length + missing.length;
  if (total > 1) out(`==> Selected ${total} specs to push to ${mirror.pushUrl}\n`);
  const signKey = unsigned ? null : a.key ?? selectSigningKey(gpg);
  ensureLayout(root);
  const fmt = (n) => formatSpec(n, '{name}{@version}{/hash:7}');
  const skipped = [];
  specs.forEach((n, i) => {
    try {
      pushSpecV3(ctx, gpg, n, mirror, { unsigned, key: signKey, force: a.force });
      out(`==> ${total > 1 ? `[${i + 1}/${total}] ` : ''}Pushed ${fmt(n)}${total === 1 ? ` to ${mirror.pushUrl}` : ''}\n`);
    } catch (e) {
      if (e.noOverwrite) skipped.push(fmt(n));
      else throw e;
    }
  });
  if (skipped.length === specs.length && specs.length) out(`==> ${specs.length === 1 ? 'The spec is' : 'All specs are'} already in the buildcache. Use --force to overwrite ${specs.length === 1 ? 'it' : 'them'}.\n`);
  if (missing.length) throw new Die('package not installed');
  if (a.updateIndex || a.updateIndex2) generateIndexV3(root, mirror.pushUrl);
  return 0;
}

function usageErr(prog, help, msg) {
  return new UsageError(usageOf(help, prog), prog, msg);
}

function allDependentsCount(all, n) {
  return all.filter((p) => p.hash !== n.hash && p.traverse({ root: false }).some((x) => x.hash === n.hash)).length;
}

// spack.cmd.disambiguate_spec: exactly one installed spec must match
export function disambiguate(ctx, abstract, first = false) {
  const m = installedMatching(ctx, abstract);
  if (!m.length) throw new Die(`Spec '${abstractToString(abstract)}' matches no installed packages.`);
  if (m.length > 1 && !first) {
    const lines = sortNodes(m).map((s) => `  ${s.hash.slice(0, 7)} ${formatSpec(s, '{name}{@version}{%compiler.name}{@compiler.version}{ arch=architecture}')}`);
    throw new Die(`${abstractToString(abstract)} matches multiple packages.`, 'Matching packages:', ...lines, "Use a more specific spec (e.g., prepend '/' to the hash).");
  }
  return sortNodes(m)[0];
}

export { gatherReuseCandidates, readIndex, pushKeys, toUrl };

// Added for community repositories (spack test, spack create).
commands.test = testCommand;
commands.create = createCommand;
