// `spack install`: a replica of Spack 0.23's PackageInstaller task queue
// (priority = uninstalled deps, FIFO sequence, requeue on progress), binary
// installs from file:// mirrors and simulated source builds.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { downloadTarball, extractTarball, mirrorsWithSpec } from './buildcache.mjs';
import { PHASES } from './repo.mjs';
import { Die, out, SpackError, tty } from './util.mjs';
import { isV1, SPACK_VERSION } from './dialect.mjs';
import { paddingFilter } from './context.mjs';
import { installTimeTestLog, junitSuiteOf, runBuildTimeTests, writeJunit } from './testing.mjs';

export const pkgId = (n) => `${n.name}-${n.version}-${n.hash}`;

class InstallError extends SpackError {
  constructor(message, longMessage = null) {
    super(message, longMessage, { className: 'InstallError' });
  }
}

export function installSpecs(ctx, gpg, roots, opts) {
  // What `--log-format junit` reports per spec: built (time, output, failure) or skipped.
  const junitCases = new Map();
  try {
    runInstall(ctx, gpg, roots, { ...opts, junitCases });
  } finally {
    if (opts.junit) writeInstallJunit(opts.junit, roots, junitCases);
  }
}

function runInstall(ctx, gpg, roots, opts) {
  const {
    packageUseCache = true,
    depsUseCache = true,
    packageCacheOnly = false,
    depsCacheOnly = false,
    unsigned = null,
    failFast = false,
    includeBuildDeps = false,
    tests = null,
    junitCases,
  } = opts;
  const db = ctx.db;
  const tasks = new Map(); // id -> task
  const allDeps = new Map(); // dep id -> Set(dependent ids)
  const installed = new Set();
  const failed = new Set();
  let seq = 0;
  const requests = roots.map((node) => ({ node, id: pkgId(node) }));
  const single = requests.length === 1;
  const isInstalledInDb = (n) => db.isInstalled(n.hash) && existsSync(ctx.prefixOf(n));

  const depflags = (request, node) => {
    const cacheOnly = pkgId(node) === request.id ? packageCacheOnly : depsCacheOnly;
    const types = ['link', 'run'];
    if (includeBuildDeps || !(cacheOnly || isInstalledInDb(node))) types.push('build');
    return types;
  };
  const depsOf = (request, node) => node.sortedDeps().filter((e) => e.deptypes.some((t) => depflags(request, node).includes(t)));

  function* traverseDeps(request, node, visited) {
    for (const e of depsOf(request, node)) {
      if (visited.has(e.node.hash)) continue;
      visited.add(e.node.hash);
      yield* traverseDeps(request, e.node, visited);
      yield e.node;
    }
  }

  const addTask = (node, request) => {
    const id = pkgId(node);
    const deps = new Set(depsOf(request, node).map((e) => pkgId(e.node)));
    const t = { id, node, request, deps, seq: seq++, status: 'queued', isBuildRequest: id === request.id, useCache: id === request.id ? packageUseCache : depsUseCache };
    t.cacheOnly = t.isBuildRequest ? packageCacheOnly : depsCacheOnly;
    tasks.set(id, t);
    for (const d of deps) {
      if (!allDeps.has(d)) allDeps.set(d, new Set());
      allDeps.get(d).add(id);
    }
  };

  const requeueDependents = (id) => {
    for (const depId of allDeps.get(id) ?? []) {
      const t = tasks.get(depId);
      if (t && t.status === 'queued') t.seq = seq++;
    }
  };
  const flagInstalled = (id) => {
    if (installed.has(id)) return;
    installed.add(id);
    requeueDependents(id);
  };

  for (const request of requests) {
    const visited = new Set();
    const deps = [...traverseDeps(request, request.node, visited)];
    for (const d of deps) if (!tasks.has(pkgId(d))) addTask(d, request);
    for (const d of deps) if (d.external || isInstalledInDb(d)) flagInstalled(pkgId(d));
    if (!tasks.has(request.id)) addTask(request.node, request);
  }

  const total = tasks.size;
  let counter = 0;
  const counted = new Set();
  const failedRequests = [];

  const priority = (t) => [...t.deps].filter((d) => !installed.has(d)).length;
  const popTask = () => {
    let best = null;
    for (const t of tasks.values()) {
      if (t.status !== 'queued') continue;
      const key = [priority(t), t.seq];
      if (!best || key[0] < best.key[0] || (key[0] === best.key[0] && key[1] < best.key[1])) best = { t, key };
    }
    return best?.t ?? null;
  };

  const markFailed = (t) => {
    failed.add(t.id);
    t.status = 'failed';
    for (const depId of allDeps.get(t.id) ?? []) {
      const dt = tasks.get(depId);
      if (dt && dt.status === 'queued') {
        tty.warn(`Skipping build of ${depId} since ${t.id} failed`);
        markFailed(dt);
        dt.status = 'removed';
      }
    }
  };

  for (;;) {
    const t = popTask();
    if (!t) break;
    t.status = 'dequeued';
    const node = t.node;
    if (!counted.has(t.id)) {
      counted.add(t.id);
      counter++;
    }
    if (priority(t) !== 0) {
      throw new InstallError(`Cannot proceed with ${t.id}: ${priority(t)} uninstalled dependencies`);
    }
    if (node.external) {
      db.add(node, { explicit: t.isBuildRequest, prefixOf: (n) => ctx.prefixOf(n) });
      db.save();
      console_out(`[+] ${node.external.path} (external ${t.id})`);
      flagInstalled(t.id);
      t.status = 'installed';
      continue;
    }
    if (isInstalledInDb(node)) {
      if (t.isBuildRequest && !db.installs[node.hash].explicit) {
        db.installs[node.hash].explicit = true;
        db.save();
      }
      console_out(`[+] ${ctx.prefixOf(node)}`);
      flagInstalled(t.id);
      t.status = 'installed';
      continue;
    }
    try {
      executeTask(ctx, gpg, t, { counter, total, unsigned, tests, junitCases });
      t.status = 'installed';
      flagInstalled(t.id);
    } catch (exc) {
      if (exc.requeueFromSource) {
        t.useCache = false;
        t.status = 'queued';
        t.seq = seq++;
        continue;
      }
      if (exc.fatal) throw exc.fatal;
      if (!(exc instanceof SpackError) || !exc.printed) {
        const cls = exc.className ?? exc.constructor?.name ?? 'Error';
        tty.error(`Failed to install ${node.name} due to ${cls}: ${exc instanceof SpackError ? exc.toString() : exc.message}`);
        if (exc instanceof SpackError) exc.printed = true;
      }
      markFailed(t);
      if (failFast) {
        throw new InstallError(`Terminating after first install failure: ${exc instanceof SpackError ? exc.toString() : exc.message}`);
      }
      if (t.isBuildRequest) {
        if (single) throw exc;
        failedRequests.push([t.id, exc instanceof SpackError ? exc.toString() : exc.message]);
      }
    }
  }

  const missing = requests.filter((r) => !installed.has(r.id)).filter((r) => !failedRequests.some(([id]) => id === r.id));
  if (failedRequests.length || missing.length) {
    for (const [id, msg] of failedRequests) tty.error(`${id}: ${msg}`);
    for (const r of missing) tty.error(`${r.id}: Package was not installed`);
    throw new InstallError('Installation request failed.  Refer to reported errors for failing package(s).');
  }
}

function writeInstallJunit(file, roots, cases) {
  const suites = roots.map((node) => {
    const nodes = node.traverse();
    // Built specs in the order they were installed (Spack 1.1 transcript 111: compiler-wrapper, then greet-paks).
    const built = [...cases.keys()].map((hash) => nodes.find((n) => n.hash === hash)).filter(Boolean);
    const others = nodes.filter((n) => !cases.has(n.hash)).sort((a, b) => (a.name < b.name ? -1 : 1));
    return {
      ...junitSuiteOf(node),
      cases: [...others.map((n) => ({ classname: n.name, name: n.hash, time: 0.0, skipped: true })), ...built.map((n) => ({ classname: n.name, name: n.hash, ...cases.get(n.hash) }))],
    };
  });
  writeJunit(file, suites);
}

// installer._print_installed_pkg: "[+] prefix" goes through debug_padded_filter.
function console_out(line) {
  out(paddingFilter(line) + '\n');
}

function executeTask(ctx, gpg, t, { counter, total, unsigned, tests, junitCases }) {
  const node = t.node;
  // Spack 1.1 (transcripts 10, 41): a cache install says "Installing" after its [+] line,
  // a source build says "No binary … found" before it
  const installing = () => tty.msg(`Installing ${t.id} [${counter}/${total}]`);
  // Test knob: a slow install, so a test can interrupt it once Spack has said what it does
  // (0.23: after "Installing"; 1.x: after the cache's "Fetching" line or, for a source build,
  // "Installing", since a 1.x cache install says "Installing" only when it is done).
  const pause = () => {
    const delay = Number(process.env.SPACK_STANDIN_INSTALL_DELAY ?? 0);
    if (delay > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay * 1000);
  };
  if (!isV1()) {
    installing();
    pause();
  }
  if (t.useCache) {
    const start = Date.now();
    const mirrors = mirrorsWithSpec(ctx, node);
    let dl = null;
    if (mirrors.length) {
      try {
        dl = downloadTarball(ctx, gpg, node, mirrors, unsigned);
        if (dl) {
          if (isV1()) pause();
          const fetched = Date.now();
          tty.msg(`Extracting ${t.id} from binary cache`);
          extractTarball(ctx, node, dl);
          ctx.db.add(node, { explicit: t.isBuildRequest, prefixOf: (n) => ctx.prefixOf(n) });
          ctx.db.save();
          const end = Date.now();
          tty.msg(`${node.name}: Successfully installed ${t.id}`);
          const s = (ms) => (ms / 1000).toFixed(2) + 's';
          out(`  Search: 0.00s.  Fetch: ${s(fetched - start)}.  Install: ${s(end - fetched)}.  Extract: ${s(end - fetched)}.  Relocate: 0.00s.  Total: ${s(end - start)}\n`);
          console_out(`[+] ${ctx.prefixOf(node)}`);
          if (isV1()) installing();
          return;
        }
      } catch (e) {
        if (e.noChecksum) {
          if (t.cacheOnly) throw Object.assign(new Error('fatal'), { fatal: e });
          tty.error(`Failed to install ${node.name} from binary cache due to ${e.toString()}: Requeueing to install from source.`);
          throw Object.assign(new Error('requeue'), { requeueFromSource: true });
        }
        throw e;
      }
    }
    if (t.cacheOnly) throw new InstallError('No binary found when cache-only was specified');
    tty.msg(`No binary for ${t.id} found: installing from source`);
  }
  if (isV1()) {
    installing();
    pause();
  }
  buildFromSource(ctx, t, { runTests: tests === 'all' || (tests === 'root' && t.isBuildRequest), junitCases });
}

// ---------------------------------------------------------------- source build
function buildFromSource(ctx, t, { runTests = false, junitCases = new Map() } = {}) {
  const node = t.node;
  const pkg = ctx.repos.get(node.name, node.namespace) ?? ctx.repos.get(node.name);
  if (!pkg) throw new SpackError(`Package 'spack.pkg.${node.namespace}.${node.name}' not found.`, "Use 'spack create' to create a new package.");
  const prefix = ctx.prefixOf(node);
  const stage = join(ctx.stageRoot, `spack-stage-${node.name}-${node.version}-${node.hash}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const logFile = join(stage, 'spack-build-out.txt');
  const log = [];
  const t0 = Date.now();
  // stage / fetch
  if (pkg.hasCode && pkg.url) {
    const v = pkg.versions.find((x) => x.version === node.version);
    const url = v?.url ?? urlForVersion(pkg, node.version);
    const sha = v?.sha256 ?? null;
    const ext = (url.match(/(\.tar\.gz|\.tgz|\.tar\.bz2|\.tar\.xz|\.zip|\.tar)$/) ?? ['.tar.gz'])[0];
    const cached = sha ? join(ctx.sourceCache, '_source-cache', 'archive', sha.slice(0, 2), `${sha}${ext}`) : null;
    if (cached && existsSync(cached)) tty.msg(`Using cached archive: ${cached}`);
    else {
      tty.msg(`Fetching ${url}`);
      if (cached) {
        mkdirSync(dirname(cached), { recursive: true });
        const local = url.startsWith('file://') ? url.slice(7) : null;
        if (local && existsSync(local)) copyFileSync(local, cached);
        else writeFileSync(cached, gzipSync(Buffer.alloc(1024)));
      }
    }
  }
  tty.msg(`No patches needed for ${node.name}`);
  const tStage = Date.now();
  const buildSystem = node.variants.build_system ?? pkg.defaultBuildSystem;
  const phases = PHASES[buildSystem] ?? ['install'];
  const failList = (process.env.SPACK_STANDIN_FAIL_BUILD ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const failPhase = phases.includes('build') ? 'build' : phases[phases.length - 1];
  const times = [];
  let testLog = null;
  const phaseStart = log.length;
  mkdirSync(prefix, { recursive: true });
  try {
    for (const phase of phases) {
      const ps = Date.now();
      const line = `==> ${node.name}: Executing phase: '${phase}'`;
      tty.msg(`${node.name}: Executing phase: '${phase}'`);
      log.push(line);
      if (failList.includes(node.name) && phase === failPhase) {
        const cmd = `'make' '-j2'${buildSystem === 'makefile' ? ` 'PREFIX=${prefix}'` : ''}`;
        log.push(`==> [${new Date().toISOString().replace('T', '-').slice(0, 19)}] ${cmd}`);
        log.push(`stand-in.c:1:1: error: simulated build failure (SPACK_STANDIN_FAIL_BUILD=${node.name})`);
        log.push(`make: *** [Makefile:1: all] Error 1`);
        writeFileSync(logFile, log.join('\n') + '\n');
        throw childError(cmd, log, logFile);
      }
      if (phase === 'install') writePrefix(ctx, node, pkg, prefix);
      if (runTests && phase === (phases.includes('build') ? 'build' : 'install')) {
        // The programs of the 'build' phase, where check() finds them (self.stage.source_path).
        const buildDir = join(stage, 'spack-build');
        writePrefix(ctx, node, pkg, buildDir);
        log.push(`==> Testing package ${node.name}-${node.version}-${node.hash.slice(0, 7)}`);
        testLog = runBuildTimeTests(ctx, node, pkg, { stage, buildDir, prefix, buildSystem });
      }
      times.push([phase, Date.now() - ps]);
    }
  } catch (e) {
    rmSync(prefix, { recursive: true, force: true });
    if (e instanceof SpackError && e.junitFailure) log.push(e.junitFailure);
    junitCases.set(node.hash, { time: (Date.now() - t0) / 1000, output: log.slice(phaseStart).join('\n') + '\n', failure: e instanceof SpackError ? e.junitFailure ?? e.message : String(e.message) });
    throw e;
  }
  if (testLog) log.push(`==> Testing package ${node.name}-${node.version}-${node.hash.slice(0, 7)}`);
  junitCases.set(node.hash, { time: (Date.now() - t0) / 1000, output: log.slice(phaseStart).join('\n') + '\n' });
  writeFileSync(logFile, log.join('\n') + '\n');
  const tInstall = Date.now();
  writeMetadata(ctx, node, prefix, log, times);
  if (testLog) writeFileSync(join(prefix, '.spack', 'install-time-test-log.txt'), [...testLog, ...installTimeTestLog(buildSystem)].join('\n') + '\n');
  rmSync(stage, { recursive: true, force: true });
  ctx.db.add(node, { explicit: t.isBuildRequest, prefixOf: (n) => ctx.prefixOf(n) });
  ctx.db.save();
  const tEnd = Date.now();
  tty.msg(`${node.name}: Successfully installed ${t.id}`);
  const s = (ms) => (ms / 1000).toFixed(2) + 's';
  const parts = [`Stage: ${s(tStage - t0)}.`];
  for (const [p, ms] of times) parts.push(`${p[0].toUpperCase()}${p.slice(1)}: ${s(ms)}.`);
  parts.push(`Post-install: ${s(tEnd - tInstall)}.`);
  parts.push(`Total: ${s(tEnd - t0)}`);
  out(`  ${parts.join('  ')}\n`);
  console_out(`[+] ${prefix}`);
}

function childError(cmd, log, logFile) {
  const msg = `ProcessError: Command exited with status 2:\n    ${cmd}`;
  const errLines = log.map((l, i) => [l, i + 1]).filter(([l]) => /error:|\*\*\*|Error \d/.test(l));
  const width = String(Math.max(...errLines.map(([, n]) => n))).length + 4;
  let ctxText = '';
  const first = Math.max(1, errLines[0][1] - 6);
  const last = Math.min(log.length, errLines[errLines.length - 1][1] + 6);
  if (first > 1) ctxText += '     [ ... ]\n';
  for (let i = first; i <= last; i++) {
    const body = String(i).padEnd(width) + log[i - 1];
    ctxText += errLines.some(([, n]) => n === i) ? `  >> ${body}\n` : `     ${body}\n`;
  }
  const n = errLines.length;
  const long = `\n${n} error${n === 1 ? '' : 's'} found in build log:\n${ctxText}\nSee build log for details:\n  ${logFile}\n`;
  const e = new SpackError(msg, long, { className: 'ChildError' });
  e.printContext();
  return e;
}

export function urlForVersion(pkg, version) {
  const url = pkg.url;
  const first = pkg.versions.map((v) => v.version).find((v) => url.includes(v));
  if (first) return url.split(first).join(version);
  return url.replace(/\d+(\.\d+)+/, version);
}

// What a "build" leaves in the prefix: small but real files.
export function writePrefix(ctx, node, pkg, prefix) {
  const put = (rel, content, mode = 0o644) => {
    const f = join(prefix, rel);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, content, { mode });
  };
  const head = `#!/bin/sh\n# ${node.name}@${node.version} built by the Spack stand-in (${node.hash})\n# prefix: ${prefix}\n`;
  const dep = (name) => node.traverse().find((n) => n.name === name);
  // A shared library carries its own prefix as a C string (its RUNPATH), so it relocates as a binary.
  const lib = (what) => Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01\x00', 'latin1'), Buffer.from(`stand-in placeholder for ${what}\n`), Buffer.from(`${prefix}/lib\0`)]);
  switch (node.name) {
    case 'gcc-runtime':
      put('lib/libgcc_s.so.1', `stand-in placeholder for libgcc_s.so.1 (gcc-runtime ${node.version})\n`);
      put('lib/libstdc++.so.6', `stand-in placeholder for libstdc++.so.6 (gcc-runtime ${node.version})\n`);
      return;
    case 'zlib':
      put('lib/libz.so', lib(`libz.so (zlib ${node.version})`));
      put('include/zlib.h', `/* stand-in placeholder for zlib.h (zlib ${node.version}) */\n`);
      return;
    case 'hello-paks': {
      put('bin/hello-paks', `${head}echo "Hello from hello-paks ${node.version}"\n`, 0o755);
      put('lib/libhellopaks.so', lib(`libhellopaks.so (hello-paks ${node.version})`));
      const hdr = join(pkg.repo.root, 'src', `hello-paks-${node.version}`, 'hellopaks.h');
      put('include/hellopaks.h', existsSync(hdr) ? readFileSync(hdr) : `/* hellopaks.h ${node.version} */\n`);
      return;
    }
    case 'greet-paks': {
      const h = dep('hello-paks');
      const hp = h ? ctx.prefixOf(h) : '';
      put('bin/greet-paks', `${head}HELLO_PREFIX="${hp}"\necho "greet-paks ${node.version}: Hello from hello-paks, \${1:-world}! (via libhellopaks ${h?.version ?? '?'})"\n`, 0o755);
      return;
    }
    default:
      put(`bin/${node.name}`, `${head}echo "${node.name} ${node.version}"\n`, 0o755);
  }
}

function writeMetadata(ctx, node, prefix, log, times) {
  const meta = join(prefix, '.spack');
  mkdirSync(meta, { recursive: true });
  writeFileSync(join(meta, 'spec.json'), JSON.stringify(node.toSpecDict()));
  writeFileSync(join(meta, 'spack-build-out.txt.gz'), gzipSync(Buffer.from(log.join('\n') + '\n')));
  writeFileSync(join(meta, 'spack-build-env.txt'), `export SPACK_ROOT=${ctx.spackRoot}\nexport PATH=${process.env.PATH ?? ''}\n`);
  writeFileSync(join(meta, 'install_environment.json'), JSON.stringify({ host_os: ctx.arch.os, platform: ctx.arch.platform, host_target: ctx.arch.target, hostname: 'stand-in', spack_version: SPACK_VERSION(), kernel_version: '#1 SMP' }));
  writeFileSync(join(meta, 'install_times.json'), JSON.stringify({ name: 'total', total: times.reduce((a, [, ms]) => a + ms / 1000, 0), phases: times.map(([n, ms]) => ({ name: n, seconds: ms / 1000, count: 1 })) }));
  // The recipes of the DAG (spack.installer.dump_packages): repos/<namespace>/packages/<name>/
  // for every non-external node (transcript 27). A repository of package API v2 (Spack 1.x's
  // builtin) goes to repos/spack_repo/<namespace>/packages/<name_with_underscores>/ for the
  // root only: for a dependency Spack looks in <its prefix>/.spack/repos/<namespace>, which
  // the v2 layout never has, so the 1.1 recording (27) holds no builtin recipe.
  for (const n of node.traverse()) {
    if (n.external) continue;
    const p = ctx.repos.get(n.name, n.namespace);
    if (!p) continue;
    const apiV2 = isV1() && (n.namespace === 'builtin' || /^v?2/.test(p.repo.api ?? ''));
    if (apiV2 && n !== node) continue;
    const repoDir = apiV2 ? join(meta, 'repos', 'spack_repo', n.namespace) : join(meta, 'repos', n.namespace);
    const pkgDir = join(repoDir, 'packages', apiV2 ? n.name.replace(/-/g, '_') : n.name);
    mkdirSync(pkgDir, { recursive: true });
    writeFileSync(join(repoDir, 'repo.yaml'), apiV2 ? `repo:\n  namespace: ${n.namespace}\n  api: v2.2\n` : `repo:\n  namespace: '${n.namespace}'\n`);
    // The whole package folder: patches and resources travel with the recipe.
    cpSync(join(p.repo.packagesDir, p.repo.folderOf(n.name)), pkgDir, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  }
  const manifest = {};
  const walk = (dir) => {
    for (const ent of fsReaddir(dir)) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) {
        manifest[p] = { mode: 16877, owner: process.getuid?.() ?? 0, group: process.getgid?.() ?? 0, type: 'dir' };
        walk(p);
      } else manifest[p] = { mode: 33188, owner: process.getuid?.() ?? 0, group: process.getgid?.() ?? 0, type: 'file', hash: '' };
    }
  };
  walk(prefix);
  writeFileSync(join(meta, 'install_manifest.json'), JSON.stringify(manifest));
}

import { readdirSync } from 'node:fs';
function fsReaddir(dir) {
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
}

export { Die };
