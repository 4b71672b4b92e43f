import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { bootstrapSpack, needsPackageRepository } from '../../src/spack/bootstrap.js';
import { parseCompilerList } from '../../src/spack/dialect/compiler.js';
import { compilerOf, nodesByHash } from '../../src/spec/compiler.js';
import { PREFIX_FORMAT, parseFindLines, parseFoundCompiler } from '../../src/spack/dialect/find.js';
import { dialectOf } from '../../src/spack/dialect/index.js';
import { specFileArguments } from '../../src/spack/dialect/install.js';
import { pushDependencyArguments } from '../../src/spack/dialect/push.js';
import { reposSection } from '../../src/spack/dialect/repos.js';
import { parseFindOutput } from '../../src/spack/spec-json.js';
import { PaksError } from '../../src/errors.js';
import { temporaryDirectory } from '../helpers/cli.js';

const V023 = dialectOf('0.23.0.dev0\n');
const V11 = dialectOf('1.1.0\n');
const fixture = (path: string) => new URL(`../fixtures/${path}`, import.meta.url);

test('spack --version picks the dialect: 0.23 writes layout v2, 1.x layout v3; older or garbage is refused', () => {
  assert.deepEqual(V023, { version: '0.23.0.dev0', series: '0.x', buildCacheLayout: 2 });
  assert.deepEqual(V11, { version: '1.1.0', series: '1.x', buildCacheLayout: 3 });
  assert.equal(dialectOf('0.23.1 (abc1234)').version, '0.23.1');
  assert.throws(() => dialectOf('0.21.2'), /too old for Paks/);
  assert.throws(() => dialectOf('command not found'), (e: unknown) => e instanceof PaksError && /not a Spack version/.test(e.message));
});

test('each dialect installs a spec file its own way, writes repos its own way, pushes without build-only deps', () => {
  // Spack 0.23: -f FILE; Spack 1.1 (transcripts 153, 154): -f is --force, the file is positional.
  assert.deepEqual(specFileArguments(V023, ['/tmp/a.json']), ['-f', '/tmp/a.json']);
  assert.deepEqual(specFileArguments(V11, ['/tmp/a.json', 'b.json']), ['/tmp/a.json', './b.json']);
  assert.deepEqual(reposSection(V023, ['/r/one', '/s/one']), ['/r/one', '/s/one']);
  assert.deepEqual(reposSection(V11, ['/r/one', '/s/one', '/t/my repo']), { 'paks-one': '/r/one', 'paks-one-1': '/s/one', 'paks-my_repo': '/t/my repo' });
  assert.deepEqual(pushDependencyArguments(V023), []);
  assert.deepEqual(pushDependencyArguments(V11), ['--without-build-dependencies']);
});

test('the compiler of a 1.x node is its c/cxx/fortran dependency; 0.23 nodes carry it; runtimes have none', async () => {
  const v11 = parseFindOutput(await readFile(fixture('spack-1.1/find-json.json'), 'utf8'));
  const byHash = nodesByHash(v11);
  const of = (name: string) => compilerOf(v11.find((n) => n.name === name)!, byHash);
  assert.deepEqual(of('greet-paks'), { name: 'gcc', version: '12.2.0' });
  for (const none of ['gcc', 'gcc-runtime', 'compiler-wrapper', 'glibc']) assert.equal(of(none), undefined, none);
  const v023 = parseFindOutput(await readFile(fixture('buildcache/spack-find.json'), 'utf8'));
  assert.deepEqual(compilerOf(v023.find((n) => n.name === 'greet-paks')!, new Map()), { name: 'gcc', version: '12.2.0' });
});

test('find --format and compiler list read in both dialects (1.1 transcripts 130d, 00c)', () => {
  assert.equal(PREFIX_FORMAT, '{hash} {prefix}');
  const lines = parseFindLines('eus5xxlme3e4olqwzmc6dk5dp6hopdrj /opt/x y\n2i36ouybuqlq746bmzdayrr4hle6batk gcc@12.2.0/7hpvzmw7t4gm77pyj6cyp62ayivt7ryf\n==> not a line\n');
  assert.deepEqual([...lines], [
    ['eus5xxlme3e4olqwzmc6dk5dp6hopdrj', '/opt/x y'],
    ['2i36ouybuqlq746bmzdayrr4hle6batk', 'gcc@12.2.0/7hpvzmw7t4gm77pyj6cyp62ayivt7ryf'],
  ]);
  assert.equal(parseFoundCompiler('gcc@12.2.0/7hpvzmw7t4gm77pyj6cyp62ayivt7ryf'), 'gcc@12.2.0');
  assert.equal(parseFoundCompiler('none'), null);
  assert.deepEqual(parseCompilerList('==> Available compilers\n-- gcc debian12-x86_64 ------\n[e]  gcc@12.2.0\n'), ['gcc@12.2.0']);
  assert.deepEqual(parseCompilerList('==> Available compilers\n-- gcc debian12-x86_64 ------\ngcc@12.2.0\n'), ['gcc@12.2.0']);
});

async function gitRepoWithTag(dir: string, tag: string, files: Record<string, string>): Promise<string> {
  const work = `${dir}-work`;
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(work, path, '..'), { recursive: true });
    await writeFile(join(work, path), text);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'release');
  git('tag', tag);
  execFileSync('git', ['clone', '-q', '--bare', work, dir], { stdio: 'ignore' });
  return dir;
}

test('bootstrap clones Spack 1.x with spack-packages as its builtin repository; 0.23 alone; a failed clone leaves nothing', async (t) => {
  const dir = await temporaryDirectory(t);
  const spack = await gitRepoWithTag(join(dir, 'spack.git'), 'v1.1.0', { 'bin/spack': '#!/bin/sh\n', 'etc/spack/defaults/repos.yaml': 'repos: {}\n' });
  const packages = await gitRepoWithTag(join(dir, 'packages.git'), 'v2025.11.0', { 'repos/spack_repo/builtin/repo.yaml': 'repo:\n  namespace: builtin\n' });
  const target = join(dir, 'install', 'spack');
  const done = await bootstrapSpack({ url: spack, version: 'v1.1.0', packages: { url: packages, version: 'v2025.11.0' }, dir: target });
  assert.equal(done.packagesDir, join(dir, 'install', 'spack-packages'));
  await access(join(done.packagesDir!, 'repos', 'spack_repo', 'builtin', 'repo.yaml'));
  // The form Spack 1.1 writes (transcript 05b): builtin: <spack-packages>/repos/spack_repo/builtin
  assert.equal(await readFile(join(target, 'etc', 'spack', 'repos.yaml'), 'utf8'), `repos:\n  builtin: ${join(done.packagesDir!, 'repos', 'spack_repo', 'builtin')}\n`);
  assert.equal(needsPackageRepository('v0.23.1'), false);
  assert.equal(needsPackageRepository('v1.0.2'), true);

  const old = await gitRepoWithTag(join(dir, 'old.git'), 'v0.23.1', { 'bin/spack': '#!/bin/sh\n' });
  const pinned = await bootstrapSpack({ url: old, version: 'v0.23.1', packages: { url: packages, version: 'v2025.11.0' }, dir: join(dir, 'old', 'spack') });
  assert.equal(pinned.packagesDir, undefined);
  await assert.rejects(access(join(dir, 'old', 'spack-packages')));

  await assert.rejects(
    bootstrapSpack({ url: spack, version: 'v1.1.0', packages: { url: packages, version: 'v9999.1.0' }, dir: join(dir, 'broken', 'spack') }),
    /Could not clone Spack's package repository v9999\.1\.0/,
  );
  assert.deepEqual(execFileSync('ls', ['-A', join(dir, 'broken')]).toString(), '');

  // A folder of someone else's where Spack or spack-packages would go is refused, even with --force, and kept.
  await mkdir(join(dir, 'mine', 'spack-packages'), { recursive: true });
  await writeFile(join(dir, 'mine', 'spack-packages', 'notes.txt'), 'mine');
  await assert.rejects(
    bootstrapSpack({ url: spack, version: 'v1.1.0', packages: { url: packages, version: 'v2025.11.0' }, dir: join(dir, 'mine', 'spack'), force: true }),
    /spack-packages exists and is not a checkout paks bootstrap made \(it has no repos\/spack_repo\); Paks will not replace it\.$/,
  );
  assert.equal(await readFile(join(dir, 'mine', 'spack-packages', 'notes.txt'), 'utf8'), 'mine');
  await mkdir(join(dir, 'mine', 'spack'));
  await writeFile(join(dir, 'mine', 'spack', 'notes.txt'), 'mine');
  await assert.rejects(bootstrapSpack({ url: old, version: 'v0.23.1', dir: join(dir, 'mine', 'spack'), force: true }), /spack exists and is not a checkout paks bootstrap made \(it has no bin\/spack\)/);
  assert.equal(await readFile(join(dir, 'mine', 'spack', 'notes.txt'), 'utf8'), 'mine');
  // A Spack it bootstrapped is replaced with --force.
  assert.equal((await bootstrapSpack({ url: old, version: 'v0.23.1', dir: join(dir, 'old', 'spack'), force: true })).dir, join(dir, 'old', 'spack'));
});

test('exit 3 with a reason of its own (Spack 1.1 transcript 153) does not blame bootstrapping', async () => {
  const { spackCommandError } = await import('../../src/spack/errors.js');
  const forced = spackCommandError({ args: ['install', '-f', 'x.json'], exitCode: 3, stdout: '', stderr: "==> Error: argument '--force' requires an environment\n" }, 'install the cached spec');
  assert.equal(forced.message, "Spack could not install the cached spec: argument '--force' requires an environment.");
  assert.doesNotMatch(forced.hint ?? '', /bootstrap/);
  const boot = spackCommandError({ args: ['spec', 'zlib'], exitCode: 3, stdout: '', stderr: '==> Error: cannot bootstrap clingo from sources\n' }, 'concretize zlib');
  assert.match(boot.hint ?? '', /cannot bootstrap/);
});
