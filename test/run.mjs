#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner (Node 20 has no glob for --test).
// Test files that run Spack (through test/helpers/spack.ts) run once per Spack dialect the
// stand-in plays: 0.23 and 1.1 (PAKS_TEST_SPACK, read by the helpers). Set PAKS_TEST_SPACK
// yourself to run only one of them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(relative(root, path));
  }
})(join(root, 'test'));
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
if (selected.length === 0) {
  console.error(`no test files match ${only.join(' ')}`);
  process.exit(1);
}
// A test file runs Spack when it uses the stand-in helpers (directly or through the e2e world),
// unless it pins one dialect (`spack: SPACK_0_23`, as the stand-in's fidelity tests do).
// Pinned, so they run once: test/standin/standin.test.ts and testing.test.ts compare the
// stand-in with Spack 0.23's transcripts (standin-1.1.test.ts and testing-1.1.test.ts do the
// same against Spack 1.1's). Everything else that drives Paks through Spack (install, build,
// list, repo build, release, update, Spack images, containers, the workflow) runs under both.
const runsSpack = (file) => {
  const text = readFileSync(join(root, file), 'utf8');
  return /helpers\/spack\.js|e2e\/world\.js|from '\.\/world\.js'/.test(text) && !/spack: SPACK_/.test(text);
};
const dialects = process.env.PAKS_TEST_SPACK ? [process.env.PAKS_TEST_SPACK] : ['0.23', '1.1'];
const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
// The long end-to-end files first, so that the last minutes are not one long file alone.
const slowFirst = (batch) => [...batch].sort((a, b) => Number(!a.startsWith('test/e2e/')) - Number(!b.startsWith('test/e2e/')));
// Both dialects at once (their test files wait on child processes and servers much of the
// time, so two cores carry four files): the first dialect's output as it comes, the second's
// after it, each under its own heading.
// Every server a test talks to is on loopback with a CA of its own, which a test that needs it
// names in NODE_EXTRA_CA_CERTS itself. A machine's own NODE_EXTRA_CA_CERTS (a system bundle) is
// never needed here, and it makes every Node start read it: ~60 ms for each of the thousands of
// Paks and stand-in Spack processes the suite starts (bench/README.md, start-up).
const testEnv = { ...process.env };
delete testEnv.NODE_EXTRA_CA_CERTS;
const runs = dialects.map((dialect, i) => {
  const batch = i === 0 ? selected : selected.filter(runsSpack);
  if (batch.length === 0) return Promise.resolve({ dialect, status: 0, output: '' });
  const heading = dialects.length > 1 ? `# Spack ${dialect} (stand-in): ${batch.length} test file${batch.length === 1 ? '' : 's'}\n` : '';
  const live = i === 0;
  if (live) process.stdout.write(heading);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...reporter, ...slowFirst(batch)], {
    cwd: root,
    stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env: { ...testEnv, PAKS_TEST_SPACK: dialect },
  });
  const chunks = [];
  child.stdout?.on('data', (c) => chunks.push(c));
  child.stderr?.on('data', (c) => chunks.push(c));
  return new Promise((done) => child.on('close', (code, signal) => done({ status: code ?? (signal ? 1 : 0), output: live ? '' : heading + Buffer.concat(chunks).toString() })));
});
let status = 0;
for (const run of runs) {
  const { status: code, output } = await run;
  process.stdout.write(output);
  if (code !== 0) status = code;
}
process.exit(status);
