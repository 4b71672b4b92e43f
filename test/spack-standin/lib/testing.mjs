// Tests as Spack 0.23 runs them: build-time checks during `spack install --test=root|all`
// (transcripts 101, 102, 114), JUnit logs (111, 115, 118) and stand-alone tests with
// `spack test run|results|find|list|remove` (103-107, 117-119, 131).
//
// Test methods are Python; the stand-in evaluates the few statements the recorded recipes
// use (an Executable from the stage or which() from the prefix, calling it, string
// assignments, `assert X in out, msg`) by really running the stand-in-built program.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parseArgs } from './args.mjs';
import { parseSpecs, satisfies } from './spec.mjs';
import { Die, err, out, SpackError, tty } from './util.mjs';

// ------------------------------------------------------------------ recipes
/** `def check(self)` and `def test_*(self)` methods of a recipe, with their lines. */
export function testMethods(pkg) {
  const lines = pkg.source.split('\n');
  const methods = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^    def (\w+)\(self[^)]*\):\s*$/.exec(lines[i]);
    if (!m) continue;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim() && !/^ {5,}/.test(l)) break;
      body.push({ text: l, line: j + 1 });
    }
    const first = body.find((b) => b.text.trim());
    const doc = first && /^\s*("""|''')(.*?)\1\s*$/.exec(first.text);
    methods.push({ name: m[1], line: i + 1, body, doc: doc ? doc[2] : null });
    i = j - 1;
  }
  return {
    check: methods.find((x) => x.name === 'check') ?? null,
    standalone: methods.filter((x) => x.name.startsWith('test_')),
  };
}

const STR = String.raw`(?:[rbuRBU]?"(?:[^"\\]|\\.)*"|[rbuRBU]?'(?:[^'\\]|\\.)*')`;
const unquote = (s) => s.replace(/^[rbuRBU]?(["'])/, '').replace(/(["'])$/, '').replace(/\\(.)/g, '$1');

/**
 * Runs one test method. `where` maps the recipe's paths: stage (the build folder with the
 * programs just built) and prefix. Returns {ok, log: [...lines], failure: {message, line}}.
 */
export function evaluateMethod(method, where, stamp) {
  const vars = {};
  const log = [];
  const value = (expr) => {
    expr = expr.trim();
    if (new RegExp(`^${STR}$`).test(expr)) return unquote(expr);
    const f = /^f(["'])(.*)\1$/.exec(expr);
    if (f) return f[2].replace(/\{(\w+)\}/g, (_, v) => String(vars[v] ?? ''));
    if (/^\w+$/.test(expr) && expr in vars) return vars[expr];
    return undefined;
  };
  for (const { text, line } of method.body) {
    const s = text.trim();
    if (!s || s.startsWith('#') || /^("""|''')/.test(s)) continue;
    let m;
    if ((m = /^(\w+)\s*=\s*Executable\(join_path\(self\.stage\.source_path,\s*(.+)\)\)$/.exec(s))) {
      vars[m[1]] = { exe: join(where.stage, 'bin', String(value(m[2]))) };
    } else if ((m = /^(\w+)\s*=\s*which\((?:self\.prefix\.bin\.join\((.+)\)|join_path\(self\.prefix\.bin,\s*(.+)\))\)$/.exec(s))) {
      vars[m[1]] = { exe: join(where.prefix, 'bin', String(value(m[2] ?? m[3]))) };
    } else if ((m = /^(?:(\w+)\s*=\s*)?(\w+)\((.*)\)$/.exec(s)) && vars[m[2]]?.exe) {
      const args = [];
      for (const part of m[3].split(/,(?=(?:[^"']|"[^"]*"|'[^']*')*$)/)) {
        if (!part.trim() || /^\s*\w+\s*=/.test(part)) continue;
        args.push(String(value(part)));
      }
      const exe = vars[m[2]].exe;
      log.push(`==> [${stamp()}] ${[exe, ...args].map((a) => `'${a}'`).join(' ')}`);
      let output = '';
      try {
        output = execFileSync(exe, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
        return { ok: false, log, failure: { message: `ProcessError: Command exited with status ${e.status ?? 1}:\n    ${[exe, ...args].map((a) => `'${a}'`).join(' ')}`, line } };
      }
      log.push(...output.replace(/\n$/, '').split('\n'));
      if (m[1]) vars[m[1]] = output;
    } else if ((m = new RegExp(`^(\\w+)\\s*=\\s*(${STR})$`).exec(s))) {
      vars[m[1]] = unquote(m[2]);
    } else if ((m = /^assert\s+(.+?)\s+in\s+(\w+)\s*(?:,\s*(.+))?$/.exec(s))) {
      const needle = value(m[1]);
      const hay = vars[m[2]];
      if (typeof needle === 'string' && typeof hay === 'string' && !hay.includes(needle)) {
        return { ok: false, log, failure: { message: m[3] ? String(value(m[3]) ?? '') : '', line, kind: 'AssertionError' } };
      }
    }
    // Any other statement: the stand-in does not evaluate it (it passes).
  }
  return { ok: true, log };
}

/** Spack's source context of a failure: three lines before it and the line itself. */
export function sourceContext(pkg, method, line) {
  const lines = pkg.source.split('\n');
  let o = `${pkg.file}:${line}, in ${method.name}:\n`;
  for (let n = Math.max(method.line, line - 3); n <= line; n++) o += `${n === line ? '  >>     ' : '         '}${n}${lines[n - 1]}\n`;
  return o;
}

export function timestamp() {
  const d = new Date();
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

const banner = (text) => {
  const t = ` ${text} `;
  const left = Math.floor((80 - t.length) / 2);
  return `${'='.repeat(left)}${t}${'='.repeat(80 - t.length - left)}`;
};
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// ------------------------------------------------------------ build-time tests
/**
 * `--test` during a source build, after the 'build' phase: runs check() against the
 * programs just built in `buildDir`. Returns the install-time-test-log lines; throws the
 * AssertionError Spack prints (transcript 114) when check() fails.
 */
export function runBuildTimeTests(ctx, node, pkg, { stage, buildDir, prefix, buildSystem }) {
  const short = `${node.name}-${node.version}-${node.hash.slice(0, 7)}`;
  const log = [`==> Testing package ${short}`];
  const { check } = testMethods(pkg);
  if (check) {
    const result = evaluateMethod(check, { stage: buildDir, prefix }, timestamp);
    if (!result.ok) {
      log.push(...result.log.filter((l) => !l.startsWith('==> ')), `${result.failure.kind ?? 'Error'}: ${result.failure.message}`);
      writeFileSync(join(stage, 'install-time-test-log.txt'), log.join('\n') + '\n');
      const message = `${result.failure.kind ?? 'ProcessError'}: ${result.failure.message}`;
      const long = `\n${sourceContext(pkg, check, result.failure.line)}\nSee build log for details:\n  ${join(stage, 'spack-build-out.txt')}\n\nSee test log for details:\n  ${join(stage, 'install-time-test-log.txt')}\n`;
      const e = new SpackError(message, long, { className: 'AssertionError' });
      e.junitFailure = message;
      e.printContext();
      throw e;
    }
  }
  return log;
}

/** The install-time part of the test log (transcript 102: makefile packages look for installcheck). */
export function installTimeTestLog(buildSystem) {
  if (buildSystem !== 'makefile' && buildSystem !== 'autotools') return [];
  return [
    `==> [${timestamp()}] Running install-time tests`,
    `==> [${timestamp()}] RUN-TESTS: install-time tests [installcheck]`,
    `==> [${timestamp()}] '/usr/bin/make' '-j2' '-n' 'installcheck'`,
    `==> [${timestamp()}] Target 'installcheck' not found in Makefile`,
  ];
}

// ------------------------------------------------------------------- JUnit
const pyFloat = (n) => (Number.isInteger(n) ? n.toFixed(1) : String(n));
const xml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
const xmlText = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');

/** Spack's JUnit report (spack/reporters/junit.xml): one testsuite per root spec. */
export function writeJunit(file, suites) {
  let o = '<?xml version="1.0" encoding="UTF-8"?>\n<!--\n    This file has been modeled after the basic\n    specifications at this url:\n\n    http://help.catchsoftware.com/display/ET/JUnit+Format\n-->\n<testsuites>\n';
  for (const s of suites) {
    const failures = s.cases.filter((c) => c.failure).length;
    const time = s.cases.reduce((a, c) => a + c.time, 0);
    o += `    <testsuite name="${s.name}"\n               errors="0"\n               tests="${s.cases.length}"\n               failures="${failures}"\n               time="${pyFloat(time)}"\n               timestamp="${new Date().toUTCString().replace(' GMT', '').replace(/(\d\d:\d\d:\d\d)$/, '$1')}" >\n`;
    o += `        <properties>\n            <property name="architecture" value="${s.arch}" />\n            <property name="compiler" value="${s.compiler}" />\n        </properties>\n`;
    for (const c of s.cases) {
      o += `        <testcase classname="${c.classname}"\n                  name="${c.name}"\n                  time="${pyFloat(c.time)}">\n`;
      if (c.skipped) o += '            <skipped />\n';
      if (c.failure) o += `            <failure message="${xml(c.failure)}">\n${xmlText(c.failure)}\n\n            </failure>\n`;
      if (c.output !== undefined) o += `            <system-out>\n${xmlText(c.output)}\n            </system-out>\n`;
      o += '        </testcase>\n';
    }
    o += '    </testsuite>\n';
  }
  o += '</testsuites>\n';
  writeFileSync(file, o);
}

// ------------------------------------------------------------ spack test ...
function testStage() {
  return join(process.env.SPACK_USER_CACHE_PATH || join(homedir(), '.spack'), 'test');
}

const shortId = (n) => `${n.name}-${n.version}-${n.hash.slice(0, 7)}`;
const b32 = (buf) => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = '';
  for (const byte of buf) bits += byte.toString(2).padStart(8, '0');
  let s = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) s += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return s;
};

export function testCommand(ctx, argv) {
  const [sub, ...rest] = argv;
  const commands = { run: testRun, results: testResults, find: testFind, list: testList, remove: testRemove };
  if (!commands[sub]) throw new Die(`spack test: unknown subcommand ${sub ?? ''}`.trim());
  return commands[sub](ctx, rest);
}

function testRun(ctx, argv) {
  const opt = (flags, dest, kind = 'bool', extra = {}) => ({ flags: Array.isArray(flags) ? flags : [flags], dest, kind, ...extra });
  const a = parseArgs(
    {
      prog: 'spack test run',
      help: 'test-run',
      options: [
        opt('--alias', 'alias', 'value'),
        opt('--fail-fast', 'failFast'),
        opt('--fail-first', 'failFirst'),
        opt('--externals', 'externals'),
        opt(['-x', '--explicit'], 'explicit'),
        opt('--keep-stage', 'keepStage'),
        opt('--log-format', 'logFormat', 'value', { choices: ['junit', 'cdash'] }),
        opt('--log-file', 'logFile', 'value'),
        opt('--timeout', 'timeout', 'value'),
        opt('--clean', 'clean'),
        opt('--dirty', 'dirty'),
      ],
      positionals: [{ dest: 'specs', nargs: '*' }],
    },
    argv,
  );
  if (a.unknown.length) throw new Die(`unrecognized arguments: ${a.unknown.join(' ')}`);
  const abstract = parseSpecs(a.specs);
  const installed = ctx.db.installedNodes().filter((n) => !n.external);
  const specs = abstract.length ? installed.filter((n) => abstract.some((s) => satisfies(n, s))) : installed.filter((n) => ctx.db.installs[n.hash]?.explicit);
  if (!specs.length) throw new Die(`No installed packages match spec ${a.specs.join(' ')}`);
  const name = a.alias ?? b32(createHash('sha1').update(specs.map((s) => s.hash).sort().join('')).digest()).slice(0, 32);
  const dir = join(testStage(), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'test_suite.lock'), JSON.stringify({ specs: specs.map((s) => ({ spec: s.toSpecDict() })), alias: a.alias ?? null }));
  out(`==> Spack test ${name}\n`);
  const results = [];
  const suites = [];
  for (const node of specs) {
    const pkg = ctx.repos.get(node.name, node.namespace) ?? ctx.repos.get(node.name);
    const id = shortId(node);
    tty.msg(`Testing package ${id}`);
    const outFile = join(dir, `${id}-test-out.txt`);
    const log = [`==> Testing package ${id}`];
    const started = Date.now();
    const methods = pkg ? testMethods(pkg).standalone : [];
    const parts = [];
    let failure = null;
    if (pkg) {
      mkdirSync(join(dir, 'repo', node.name), { recursive: true });
      writeFileSync(join(dir, 'repo', node.name, 'package.py'), pkg.source);
    }
    for (const method of methods) {
      log.push(`==> [${timestamp()}] test: ${method.name}: ${method.doc ?? ''}`);
      const r = evaluateMethod(method, { stage: dir, prefix: ctx.prefixOf(node) }, timestamp);
      log.push(...r.log);
      if (r.ok) {
        log.push(`PASSED: ${pkg.className}::${method.name}`);
        parts.push([method.name, 'PASSED']);
      } else {
        log.push(`FAILED: ${pkg.className}::${method.name}: ${r.failure.message}`);
        parts.push([method.name, 'FAILED']);
        failure ??= { method, ...r.failure };
      }
    }
    log.push(`==> [${timestamp()}] Completed testing`);
    log.push(`==> [${timestamp()}] `);
    log.push(banner(`SUMMARY: ${id}`));
    for (const [m, status] of parts) log.push(`${pkg.className}::${m} .. ${status}`);
    const passed = parts.filter(([, s]) => s === 'PASSED').length;
    const failed = parts.length - passed;
    const status = !methods.length ? 'NO_TESTS' : failed ? 'FAILED' : 'PASSED';
    log.push(banner(parts.length ? `${failed ? `${failed} failed` : `${passed} passed`} of ${parts.length} parts` : 'no parts'));
    if (failure) {
      log.push(`==> [${timestamp()}] `, '', `See test results at:`, `  ${outFile}`);
      log.push(`Test failure: TestFailure: 1 test failed.`, '', '', failure.message, '', sourceContext(pkg, failure.method, failure.line));
    }
    writeFileSync(outFile, log.join('\n') + '\n');
    writeFileSync(join(dir, `${id}-tested.txt`), failure ? '1' : '2');
    const resultLine = `${id} ${status}`;
    const resultsFile = join(dir, 'results.txt');
    writeFileSync(resultsFile, (existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '') + resultLine + '\n');
    results.push({ node, status, outFile, failure });
    suites.push({
      name: `${node.name}_${node.hash.slice(0, 7)}`,
      arch: node.archStr,
      compiler: `${node.compiler.name}@=${node.compiler.version}`,
      cases: [{ classname: node.name, name: node.hash, time: (Date.now() - started) / 1000, output: log.join('\n') + '\n', ...(failure ? { failure: `TestFailure: 1 test failed.\n\n\n${failure.message}` } : {}) }],
    });
  }
  const failedSpecs = results.filter((r) => r.status === 'FAILED');
  const passedSpecs = results.filter((r) => r.status === 'PASSED');
  const summary = [failedSpecs.length ? `${failedSpecs.length} failed` : null, passedSpecs.length ? `${passedSpecs.length} passed` : null, results.length - failedSpecs.length - passedSpecs.length ? `${results.length - failedSpecs.length - passedSpecs.length} no-tests` : null].filter(Boolean).join(', ');
  out(`${banner(`${summary} of ${plural(results.length, 'spec')}`)}\n`);
  if (a.logFormat === 'junit' && a.logFile) writeJunit(a.logFile, suites);
  if (failedSpecs.length) {
    for (const r of failedSpecs) out(`\nSee ${shortId(r.node)} test results at:\n  ${r.outFile}\n`);
    for (const r of failedSpecs) {
      const pkg = ctx.repos.get(r.node.name, r.node.namespace) ?? ctx.repos.get(r.node.name);
      err(`==> Error: TestFailure: 1 test failed.\n\n\n${r.failure.message}\n\n${sourceContext(pkg, r.failure.method, r.failure.line)}\nSee test log for details:\n  ${r.outFile}\n\n`);
    }
    err(`==> Error: ${failedSpecs.length} test(s) in the suite failed.\n\n`);
    return 1;
  }
  return 0;
}

function suites() {
  const stage = testStage();
  if (!existsSync(stage)) return [];
  return readdirSync(stage).filter((n) => existsSync(join(stage, n, 'results.txt')) || existsSync(join(stage, n, 'test_suite.lock')));
}

function testResults(ctx, argv) {
  const logs = argv.includes('-l') || argv.includes('--logs');
  const failedOnly = argv.includes('-f') || argv.includes('--failed');
  const names = argv.filter((x) => !x.startsWith('-'));
  for (const name of names.length ? names : suites()) {
    const dir = join(testStage(), name);
    const latest = new Map();
    for (const line of (existsSync(join(dir, 'results.txt')) ? readFileSync(join(dir, 'results.txt'), 'utf8') : '').split('\n').filter(Boolean)) {
      const [id, status] = line.split(' ');
      latest.set(id, status);
    }
    const shown = [...latest].filter(([, s]) => !failedOnly || s === 'FAILED');
    out(`==> ${failedOnly ? 'Failing results' : 'Results'} for test suite '${name}':\n==> test specs:\n`);
    for (const [id, status] of shown) {
      out(`==>   ${id} ${status}\n`);
      if (logs) out(readFileSync(join(dir, `${id}-test-out.txt`), 'utf8'));
    }
    const failed = [...latest.values()].filter((s) => s === 'FAILED').length;
    const passed = [...latest.values()].filter((s) => s === 'PASSED').length;
    out(`${banner(`${[failed ? `${failed} failed` : null, passed ? `${passed} passed` : null].filter(Boolean).join(', ')} of ${plural(latest.size, 'spec')}`)}\n`);
  }
  return 0;
}

function testFind() {
  const names = suites();
  if (!names.length) {
    out('==> No test suites\n');
    return 0;
  }
  out(`==> Spack test results available for the following tests:\n        ${names.join(' ')}\n    Run \`spack test remove\` to remove all tests\n`);
  return 0;
}

function testList(ctx) {
  const nodes = ctx.db.installedNodes().filter((n) => !n.external).filter((n) => {
    const pkg = ctx.repos.get(n.name, n.namespace) ?? ctx.repos.get(n.name);
    return pkg && testMethods(pkg).standalone.length;
  });
  for (const n of nodes) out(`-- ${n.archStr} / ${n.compiler.name}@${n.compiler.version} -----------------------------\n${n.hash.slice(0, 7)} ${n.name}@${n.version}\n`);
  return 0;
}

function testRemove(ctx, argv) {
  const names = argv.filter((x) => !x.startsWith('-'));
  for (const name of names.length ? names : suites()) rmSync(join(testStage(), name), { recursive: true, force: true });
  return 0;
}
