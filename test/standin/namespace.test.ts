// `spack buildcache push` needs the recipe of what it pushes: a spec installed from a
// repository that the current scopes do not list is refused (transcripts 161 and 161b, recorded
// from both releases: test/fixtures/spack/transcripts and test/fixtures/spack-1.1/transcripts).
import assert from 'node:assert/strict';
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSpackRoot, runSpack, testSpack, type SpackRoot } from '../helpers/spack.js';
import { readTranscript } from '../helpers/transcripts.js';

describe(`spack stand-in (${testSpack.series}): buildcache push and the recipe namespace`, () => {
  let work: string;
  let sr: SpackRoot;
  let scope: string;
  const spack = (...args: string[]) => runSpack(sr, args);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'paks-standin-ns-'));
    sr = await createSpackRoot(work);
    // The demo recipes under the recording's namespace, listed only in a -C scope.
    const repo = join(work, 'communitydemo');
    await cp(sr.paksdemoRepo!, repo, { recursive: true });
    await writeFile(join(repo, 'repo.yaml'), "repo:\n  namespace: 'communitydemo'\n");
    await writeFile(join(sr.userConfig, 'repos.yaml'), testSpack.series === '1.1' ? 'repos: {}\n' : 'repos: []\n');
    scope = join(work, 'scope-with-repo');
    await mkdir(scope);
    await writeFile(join(scope, 'repos.yaml'), testSpack.series === '1.1' ? `repos:\n  communitydemo: ${repo}\n` : `repos:\n- ${repo}\n`);
    const installed = spack('-C', scope, 'install', 'hello-paks');
    assert.equal(installed.code, 0, installed.stderr);
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('refuses to push a spec whose namespace no configured repository provides (161)', () => {
    const recorded = readTranscript(testSpack.series, '161-buildcache-push-unknown-namespace');
    const pushed = spack('buildcache', 'push', '--unsigned', join(work, 'cache'), 'hello-paks');
    assert.deepEqual([pushed.code, pushed.stdout, pushed.stderr], [recorded.exitCode, recorded.stdout, recorded.stderr]);
  });

  it('pushes it once the scope lists the repository (161b)', async () => {
    const recorded = readTranscript(testSpack.series, '161b-buildcache-push-namespace-in-scope');
    const pushed = spack('-C', scope, 'buildcache', 'push', '--unsigned', join(work, 'cache2'), 'hello-paks');
    assert.equal(pushed.code, recorded.exitCode, pushed.stderr);
    assert.match(recorded.stdout, /Pushed demolib@/);
    assert.match(pushed.stdout, /Pushed hello-paks@/);
    assert.ok((await readFile(join(sr.userConfig, 'repos.yaml'), 'utf8')).match(/repos: (\[\]|\{\})/), 'the user scope still lists no repository');
  });
});
