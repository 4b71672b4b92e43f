// The stand-in's `spack install --test` with a JUnit log and `spack test run` as Spack 1.1,
// against transcripts 99, 103, 106, 110 and 111 of the Spack 1.1 recording (the only test
// commands it recorded; `spack create`, `test results` and a failing check() are 0.23-only,
// in testing.test.ts).
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createSpackRoot, runSpack, SPACK_1_1, stopGpgAgent, type SpackRoot } from '../helpers/spack.js';
import { readTranscript } from '../helpers/transcripts.js';

const recorded = (name: string, part: 'stdout' | 'stderr' = 'stdout'): string => readTranscript('1.1', name)[part];
/** The test methods of the recorded greet-paks (transcript 99), added to the demo recipe. */
const RECORDED_TESTS = recorded('99-cat-greet-paks-with-tests').slice(recorded('99-cat-greet-paks-with-tests').indexOf('    # build-time test'));
const mask = (s: string, sr: SpackRoot) =>
  s
    .replace(/\/[^\s']*\/spack-user-cache\/test/g, '$TEST_STAGE')
    .split(sr.root).join('$SPACK_ROOT')
    .replace(/\/[^\s']*\/(packages\/greet-paks)/g, '$TESTREPO/$1')
    .replace(/\$SPACK_ROOT\/opt\/spack|\$INSTALL_TREE/g, '$INSTALL_TREE')
    .replace(/\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d\.\d+/g, 'TIME');

describe('stand-in as Spack 1.1: install --test and spack test run', () => {
  let dir: string;
  let sr: SpackRoot;
  let recipe: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'standin-tests-1.1-'));
    sr = await createSpackRoot(dir, { spack: SPACK_1_1, keyAlgo: 'rsa2048' });
    recipe = join(sr.paksdemoRepo!, 'packages', 'greet-paks', 'package.py');
    appendFileSync(recipe, `\n${RECORDED_TESTS}`);
  });
  after(async () => {
    stopGpgAgent(sr.root);
    await rm(dir, { recursive: true, force: true });
  });

  it('install --test=root writes Spack 1.1\'s JUnit log: bare suite name, no compiler property, the compiler node skipped (transcripts 110, 111)', () => {
    const junit = join(dir, 'junit.xml');
    // As recorded: hello-paks and gcc-runtime came from a cache install (41), which leaves the build-only compiler-wrapper out.
    assert.equal(runSpack(sr, ['install', 'hello-paks']).code, 0);
    assert.equal(runSpack(sr, ['uninstall', '-y', '--force', 'compiler-wrapper']).code, 0);
    const r = runSpack(sr, ['install', '--test=root', '--log-format', 'junit', '--log-file', junit, 'greet-paks']);
    assert.equal(r.code, 0, r.stderr);
    const xml = readFileSync(junit, 'utf8');
    const expected = recorded('111-cat-junit-xml');
    // The stand-in's build log has the phase lines, not the commands a real build runs.
    const shape = (s: string) => mask(s, sr).replace(/==&gt; \[TIME\].*\n/g, '').replace(/time="[\d.]+"/g, 'time=T').replace(/timestamp="[^"]+"/, 'timestamp=T').replace(/\n(?!==&gt;|            <\/system-out>|    |<).*/g, '');
    assert.equal(shape(xml), shape(expected));
  });

  it('spack test run passes, then fails with Spack 1.1\'s report when the test is broken (transcripts 103, 106)', () => {
    const pass = runSpack(sr, ['test', 'run', 'greet-paks']);
    assert.equal(pass.code, 0, pass.stderr);
    const suiteOf = (s: string) => /Spack test (\w+)/.exec(s)![1]!;
    assert.equal(pass.stdout.split(suiteOf(pass.stdout)).join('S'), recorded('103-test-run-greet-paks-pass').split(suiteOf(recorded('103-test-run-greet-paks-pass'))).join('S'));
    writeFileSync(recipe, readFileSync(recipe, 'utf8').replace('expected = "Hello from hello-paks, stand-alone!"', 'expected = "Goodbye from hello-paks"'));
    try {
      const fail = runSpack(sr, ['test', 'run', 'greet-paks']);
      assert.equal(fail.code, 1);
      const norm = (s: string, suite: string) => mask(s, sr).split(suite).join('S');
      const want = recorded('106-test-run-greet-paks-fail');
      assert.equal(norm(fail.stdout, suiteOf(fail.stdout)), norm(want, suiteOf(want)));
      assert.equal(norm(fail.stderr, suiteOf(fail.stdout)), norm(recorded('106-test-run-greet-paks-fail', 'stderr'), suiteOf(want)));
    } finally {
      writeFileSync(recipe, readFileSync(recipe, 'utf8').replace('expected = "Goodbye from hello-paks"', 'expected = "Hello from hello-paks, stand-alone!"'));
    }
  });
});
