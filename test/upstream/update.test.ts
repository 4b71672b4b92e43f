// paks update against real loopback servers: a plain HTTP directory listing with tarballs
// (Spack's own detection, through the stand-in), a PyPI-shaped JSON server, and the hostile
// upstreams of the issue. Nothing half-written: package.py is unchanged or valid.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';
import { createSpackRoot } from '../helpers/spack.js';
import { runSpackAsync, sha256, startFileServer, startJsonServer, tarball } from '../helpers/upstream.js';

const HELLO = (http: string, sha100: string, sha110: string) => `# Served over plain HTTP on loopback, like the recording's hello-paks (transcript 81).
from spack.package import *


class HelloPaks(MakefilePackage):
    """Tiny hello-world C program (bin/hello-paks) and library (libhellopaks.so)."""

    homepage = "https://example.com/hello-paks"
    url = "${http}/hello-paks/hello-paks-1.1.0.tar.gz"
    list_url = "${http}/hello-paks/"

    license("MIT")

    version("1.1.0", sha256="${sha110}")
    version("1.0.0", sha256="${sha100}")

    def build(self, spec, prefix):
        make(f"PREFIX={prefix}")
`;

const PYFOO = (http: string, sha: string) => `from spack.package import *


class PyFoo(PythonPackage):
    """A Python package found on PyPI."""

    pypi = "foo/foo-1.0.tar.gz"
    url = "${http}/foo/foo-1.0.tar.gz"

    version("1.0", sha256="${sha}")
`;

async function world(t: Parameters<typeof temporaryDirectory>[0], paksYaml = '') {
  const dir = await temporaryDirectory(t);
  const home = join(dir, 'home');
  await mkdir(home);
  const http = await startFileServer();
  const pypi = await startJsonServer();
  t.after(() => Promise.all([http.close(), pypi.close()]));
  const sr = await createSpackRoot(join(dir, 'spack'), { repos: [] });
  const root = join(dir, 'community');
  const put = async (path: string, text: string) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  };
  const shas: Record<string, string> = {};
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
    const data = tarball(`hello-paks-${v}`, `hello ${v}\n`);
    http.files.set(`/hello-paks/hello-paks-${v}.tar.gz`, data);
    shas[v] = sha256(data);
  }
  for (const v of ['1.0', '1.1']) {
    const data = tarball(`foo-${v}`, `foo ${v}\n`);
    http.files.set(`/foo/foo-${v}.tar.gz`, data);
    shas[`foo-${v}`] = sha256(data);
  }
  pypi.routes.set('/pypi/foo/json', {
    body: {
      info: { name: 'foo' },
      releases: {
        '1.0': [{ filename: 'foo-1.0.tar.gz', packagetype: 'sdist', digests: { sha256: shas['foo-1.0'] } }],
        '1.1': [{ filename: 'foo-1.1.tar.gz', packagetype: 'sdist', digests: { sha256: shas['foo-1.1'] } }],
        '2.0rc1': [{ filename: 'foo-2.0rc1.tar.gz', packagetype: 'sdist' }],
      },
    },
  });
  await put('repo.yaml', "repo:\n  namespace: 'community'\n");
  await put('paks.yaml', `registry: ghcr.io/example/community\n${paksYaml}`);
  await put('packages/hello-paks/package.py', HELLO(http.url, shas['1.0.0']!, shas['1.1.0']!));
  await put('packages/py-foo/package.py', PYFOO(http.url, shas['foo-1.0']!));
  const paks = (args: string[]) => runPaks(['--spack-root', sr.root, ...args, '--repo', root, '--pypi-url', pypi.url], { home, env: { SPACK_USER_CONFIG_PATH: sr.userConfig, SPACK_USER_CACHE_PATH: sr.env.SPACK_USER_CACHE_PATH } });
  const spack = (args: string[]) => runSpackAsync(sr, ['-C', join(dir, 'scope'), ...args]);
  await mkdir(join(dir, 'scope'));
  await writeFile(join(dir, 'scope', 'repos.yaml'), `repos:\n- ${root}\n`);
  return { root, http, pypi, paks, spack, shas, recipe: (name: string) => join(root, 'packages', name, 'package.py') };
}

test('paks update lists new versions from the directory listing and from PyPI, and --apply adds them so Spack accepts the file', async (t) => {
  const w = await world(t);
  const check = await w.paks(['update', '--json']);
  assert.equal(check.exitCode, 0, check.stderr);
  const rows = JSON.parse(check.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(
    rows.map((r) => [r.package, r.current, r.newest_upstream, r.source, r.action]),
    [
      ['hello-paks', '1.1.0', '1.2.0', 'spack', 'update available'],
      ['py-foo', '1.0', '1.1', 'pypi', 'update available'],
    ],
  );
  const before = await readFile(w.recipe('hello-paks'), 'utf8');
  const applied = await w.paks(['update', '--apply']);
  assert.equal(applied.exitCode, 0, applied.stderr);
  assert.match(applied.stdout, /^PACKAGE +CURRENT +UPSTREAM +SOURCE +ACTION$/m);
  assert.match(applied.stdout, /^hello-paks +1\.1\.0 +1\.2\.0 +spack +added 1\.2\.0$/m);
  assert.match(applied.stdout, /^py-foo +1\.0 +1\.1 +pypi +added 1\.1$/m);
  const after = await readFile(w.recipe('hello-paks'), 'utf8');
  assert.equal(after, before.replace('    version("1.1.0"', `    version("1.2.0", sha256="${w.shas['1.2.0']}")\n    version("1.1.0"`));
  assert.doesNotMatch(after, /FIXME/);
  const safe = await w.spack(['versions', '--safe', 'hello-paks']);
  assert.equal(safe.stdout, '  1.2.0\n  1.1.0\n  1.0.0\n');
  const verify = await w.spack(['checksum', '--verify', 'hello-paks']);
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /Verified 3 of 3/);
  const verifyFoo = await w.spack(['checksum', '--verify', 'py-foo']);
  assert.match(verifyFoo.stdout, /1\.1  \[=\] Correct/);
  const again = await w.paks(['update', 'hello-paks']);
  assert.match(again.stdout, /^hello-paks +1\.2\.0 +1\.2\.0 +spack +up to date$/m);
});

test('rules in paks.yaml silence a package, ignore versions, track a series; --pre counts pre-releases', async (t) => {
  const w = await world(t, 'packages:\n  hello-paks:\n    update:\n      source: none\n  py-foo:\n    update:\n      ignore: ["1\\\\.1"]\n');
  const r = await w.paks(['update', '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(rows.map((x) => [x.package, x.action]), [['hello-paks', 'silenced'], ['py-foo', 'up to date']]);
  const pre = await w.paks(['update', 'py-foo', '--pre', '--json']);
  assert.equal((JSON.parse(pre.stdout) as Array<Record<string, unknown>>)[0]!.version, '2.0rc1');
  const unknown = await w.paks(['update', 'nope']);
  assert.equal(unknown.exitCode, 2);
  assert.match(unknown.stderr, /nope is not a package of the repository/);
});

test('hostile upstreams: junk in the listing, a 404 and an absurd tarball, a tarball that changes between downloads, PyPI down', async (t) => {
  const w = await world(t);
  // Versions that are not versions are dropped; the real newest one wins.
  w.http.listed.set('/hello-paks/', ['hello-paks-9.9.9;rm -rf.tar.gz', 'hello-paks-latest.tar.gz', 'hello-paks-1.3.0.tar.gz.sha256', 'hello-paks-1.3.0.tar.gz']);
  const listed = await w.paks(['update', 'hello-paks', '--json']);
  assert.equal((JSON.parse(listed.stdout) as Array<Record<string, unknown>>)[0]!.version, '1.3.0');
  const original = await readFile(w.recipe('hello-paks'), 'utf8');

  // 1.3.0 is listed but its tarball is missing.
  const missing = await w.paks(['update', 'hello-paks', '--apply']);
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stdout, /failed: Could not download http:\/\/127\.0\.0\.1:\d+\/hello-paks\/hello-paks-1\.3\.0\.tar\.gz: the server answered 404 \(not found\)\./);
  assert.equal(await readFile(w.recipe('hello-paks'), 'utf8'), original);

  // An absurd size is refused before it is downloaded.
  w.http.huge.set('/hello-paks/hello-paks-1.3.0.tar.gz', 50 * 1024 * 1024);
  const huge = await w.paks(['update', 'hello-paks', '--apply', '--max-download-size', String(1024 * 1024)]);
  assert.equal(huge.exitCode, 1);
  assert.match(huge.stdout, /is larger than 1\.0 MiB \(at least 50 MiB\), so Paks did not checksum it\./);
  assert.equal(await readFile(w.recipe('hello-paks'), 'utf8'), original);
  w.http.huge.delete('/hello-paks/hello-paks-1.3.0.tar.gz');

  // Every download gives other bytes: Paks' sha256 and Spack's differ, nothing is written.
  let n = 0;
  w.http.files.set('/hello-paks/hello-paks-1.3.0.tar.gz', () => tarball('hello-paks-1.3.0', `build ${n++}\n`));
  const moving = await w.paks(['update', 'hello-paks', '--apply']);
  assert.equal(moving.exitCode, 1);
  assert.match(moving.stdout, /failed: The tarball of hello-paks 1\.3\.0 changed between two downloads \(sha256 [0-9a-f]{64} then [0-9a-f]{64}\), so Paks did not add it\./);
  assert.equal(await readFile(w.recipe('hello-paks'), 'utf8'), original);

  // PyPI down: that package fails with one sentence, the other goes on; exit 1.
  await w.pypi.close();
  const down = await w.paks(['update']);
  assert.equal(down.exitCode, 1);
  assert.match(down.stdout, /^py-foo +1\.0 +- +pypi +failed: Could not reach http:\/\/127\.0\.0\.1:\d+\/pypi\/foo\/json: the connection was refused\.$/m);
  assert.match(down.stdout, /^hello-paks +1\.1\.0 +1\.3\.0 +spack +1\.3\.0 available/m);
});
