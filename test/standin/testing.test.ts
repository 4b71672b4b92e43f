// The stand-in's `spack install --test`, `spack test run|results`, JUnit logs and
// `spack create`, against transcripts 99-124 of the Spack 0.23 recording (pinned to 0.23;
// testing-1.1.test.ts checks what Spack 1.1 recorded of the same: 103, 106, 110, 111).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createSpackRoot, runSpack, SPACK_0_23, stopGpgAgent, type SpackRoot } from '../helpers/spack.js';
import { readTranscript } from '../helpers/transcripts.js';

const FIX = fileURLToPath(new URL('../fixtures/spack/', import.meta.url));
const recorded = (name: string, part: 'stdout' | 'stderr' = 'stdout'): string => readTranscript('0.23', name)[part];
/** The test methods of the recorded greet-paks (transcript 99), added to the demo recipe. */
const RECORDED_TESTS = recorded('99-cat-greet-paks-with-tests').slice(recorded('99-cat-greet-paks-with-tests').indexOf('    # build-time test'));
// Hashes, paths, times and dates differ between runs; the shape must not.
const mask = (s: string, sr: SpackRoot) =>
  s
    .replace(/\/[^\s']*\/spack-user-cache\/test/g, '$TEST_STAGE')
    .split(sr.root).join('$SPACK_ROOT')
    .replace(/\/[^\s']*\/(packages\/greet-paks)/g, '$TESTREPO/$1')
    .replace(/\$SPACK_ROOT\/opt\/spack|\$INSTALL_TREE/g, '$INSTALL_TREE')
    .replace(/linux-debian12-(icelake|zen2)/g, 'ARCH')
    .replace(/\b[a-z2-7]{32}\b/g, 'HASH')
    .replace(/(\d)-[a-z2-7]{7}\b/g, '$1-H7')
    .replace(/\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d\.\d+/g, 'TIME')
    .replace(/\d+\.\d+s/g, 'Ns')
    .replace(/libhellopaks 1\.\d\.0/g, 'libhellopaks V');

describe('stand-in: tests and spack create', () => {
  let dir: string;
  let sr: SpackRoot;
  let recipe: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'standin-tests-'));
    sr = await createSpackRoot(dir, { spack: SPACK_0_23, keyAlgo: 'rsa2048' });
    recipe = join(sr.paksdemoRepo!, 'packages', 'greet-paks', 'package.py');
    appendFileSync(recipe, `\n${RECORDED_TESTS}`);
  });
  after(async () => {
    stopGpgAgent(sr.root);
    await rm(dir, { recursive: true, force: true });
  });

  it('spack info --tests lists the stand-alone test methods (transcript 100)', () => {
    const r = runSpack(sr, ['info', '--tests', 'greet-paks']);
    assert.match(r.stdout, /Available Build Phase Test Methods:\n    None\n\nAvailable Install Phase Test Methods:\n    None\n\nStand-Alone\/Smoke Test Methods:\n    GreetPaks\.test_run\n\nLicenses/);
    assert.ok(recorded('100-info-tests-greet-paks').includes('Stand-Alone/Smoke Test Methods:\n    GreetPaks.test_run\n'));
  });

  it('install --test=root runs check() and writes a JUnit log (transcripts 101, 102, 110, 111)', () => {
    const junit = join(dir, 'junit.xml');
    assert.equal(runSpack(sr, ['install', 'hello-paks']).code, 0);
    const r = runSpack(sr, ['install', '--test=root', '--log-format', 'junit', '--log-file', junit, 'greet-paks']);
    assert.equal(r.code, 0, r.stderr);
    const log = readFileSync(join(runSpack(sr, ['location', '-i', 'greet-paks']).stdout.trim(), '.spack', 'install-time-test-log.txt'), 'utf8');
    assert.equal(mask(log, sr), mask(recorded('102-install-time-test-log').split('\n').slice(8).join('\n'), sr).replace(/\n$/, '') + '\n');
    const xml = mask(readFileSync(junit, 'utf8'), sr);
    const expected = mask(recorded('111-cat-junit-xml'), sr);
    // The stand-in's build log has the phase lines, not the commands a real build runs.
    const shape = (s: string) => s.replace(/==&gt; \[TIME\].*\n/g, '').replace(/_[a-z2-7]{7}"/, '_H7"').replace(/time="[\d.]+"/g, 'time=T').replace(/timestamp="[^"]+"/, 'timestamp=T').replace(/\n(?!==&gt;|            <\/system-out>|    |<).*/g, '');
    assert.equal(shape(xml), shape(expected));
  });

  it('spack test run passes, then fails with Spack\'s report when the test is broken (transcripts 103, 106, 107)', () => {
    const pass = runSpack(sr, ['test', 'run', 'greet-paks']);
    assert.equal(pass.code, 0, pass.stderr);
    assert.equal(mask(pass.stdout, sr).replace(/Spack test \w+/, 'Spack test S'), mask(recorded('103-test-run-greet-paks-pass'), sr).replace(/Spack test \w+/, 'Spack test S'));
    writeFileSync(recipe, readFileSync(recipe, 'utf8').replace('expected = "Hello from hello-paks, stand-alone!"', 'expected = "Goodbye from hello-paks"'));
    const fail = runSpack(sr, ['test', 'run', 'greet-paks']);
    assert.equal(fail.code, 1);
    const suite = /Spack test (\w+)/.exec(fail.stdout)![1]!;
    const norm = (s: string) => mask(s, sr).split(suite).join('S').replace(/odg5s2urtu43fhpbugcts2jcjkr3j47m|HASH/g, 'S').replace(/:\d+, in test_run/, ':N, in test_run').replace(/ {9}\d\d|  >> {5}\d\d/g, (m) => m.replace(/\d\d/, 'NN'));
    assert.equal(norm(fail.stdout), norm(recorded('106-test-run-greet-paks-fail')));
    assert.equal(norm(fail.stderr), norm(recorded('106-test-run-greet-paks-fail', 'stderr')));
    const results = runSpack(sr, ['test', 'results', suite]);
    assert.equal(norm(results.stdout), norm(recorded('107-test-results-fail')));
    writeFileSync(recipe, readFileSync(recipe, 'utf8').replace('expected = "Goodbye from hello-paks"', 'expected = "Hello from hello-paks, stand-alone!"'));
  });

  it('a failing check() stops the install with the AssertionError (transcripts 114, 115)', () => {
    writeFileSync(recipe, readFileSync(recipe, 'utf8').replace('assert "build-check" in out', 'assert "no-such-word" in out'));
    runSpack(sr, ['uninstall', '-y', 'greet-paks']);
    const junit = join(dir, 'junit-fail.xml');
    const r = runSpack(sr, ['install', '--test=root', '--log-format', 'junit', '--log-file', junit, 'greet-paks']);
    assert.equal(r.code, 1);
    const norm = (s: string) => mask(s, sr).replace(/\$BUILD_STAGE\/\$USER|\$SPACK_ROOT\/var\/spack\/stage/g, 'STAGE').replace(/\$TESTREPO/g, 'REPO').replace(/\/\S*\/packages\/greet-paks/g, 'REPO/packages/greet-paks');
    assert.equal(norm(r.stderr), norm(recorded('114-install-test-root-build-check-fails', 'stderr')));
    assert.match(readFileSync(junit, 'utf8'), /failures="1"[\s\S]*<failure message="AssertionError: unexpected output: greet-paks 1\.0\.0: Hello from hello-paks, build-check! \(via libhellopaks 1\.1\.0\)\n">/);
    writeFileSync(recipe, readFileSync(recipe, 'utf8').replace('assert "no-such-word" in out', 'assert "build-check" in out'));
  });

  it('spack create --skip-editor writes a template recipe, and refuses to overwrite it (transcripts 121-123)', () => {
    const src = join(FIX, 'repos', 'paksdemo', 'src');
    const tarball = join(dir, 'hello-paks-1.2.0.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', src, 'hello-paks-1.1.0']);
    const url = `file://${tarball}`;
    const r = runSpack(sr, ['create', '--skip-editor', '--repo', sr.paksdemoRepo!, '--name', 'newpkg', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^==> Using specified package name: 'newpkg'\n==> Fetching file:\/\/.*\n==> This package looks like it uses the makefile build system\n==> Created template for newpkg package\n==> Created package file: .*\/packages\/newpkg\/package\.py\n$/);
    const text = readFileSync(join(sr.paksdemoRepo!, 'packages', 'newpkg', 'package.py'), 'utf8');
    const expected = recorded('122-cat-created-newpkg').split('\n').slice(3).join('\n');
    const sha = execFileSync('sha256sum', [tarball], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(text.replace(url, 'URL').replace(sha!, 'SHA'), expected.replace('$HTTP/hello-paks/hello-paks-1.2.0.tar.gz', 'URL').replace(/    version\("1\.2\.0", sha256="\w+"\)\n(    version.*\n)*/, '    version("1.2.0", sha256="SHA")\n').replace(/\n$/, '') + '\n');
    const again = runSpack(sr, ['create', '--skip-editor', '--repo', sr.paksdemoRepo!, '--name', 'newpkg', url]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr.replace(/\/\S*\/packages/, '$TESTREPO/packages'), recorded('123-create-existing-refused', 'stderr'));
  });
});
