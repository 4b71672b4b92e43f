// paks update against real loopback servers: a plain HTTP directory listing with tarballs
// (Spack's own detection, through the stand-in), a PyPI-shaped JSON server, and the hostile
// upstreams of the issue. Nothing half-written: package.py is unchanged or valid.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tarball } from '../helpers/upstream.js';
import { world } from './world.js';

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
  // package.py as a symbolic link (a recipe kept elsewhere): the link stays, its target is updated.
  const kept = join(w.dir, 'hello-paks.py');
  await rename(w.recipe('hello-paks'), kept);
  await symlink(kept, w.recipe('hello-paks'));
  const applied = await w.paks(['update', '--apply']);
  assert.equal(applied.exitCode, 0, applied.stderr);
  assert.match(applied.stdout, /^PACKAGE +CURRENT +UPSTREAM +SOURCE +ACTION$/m);
  assert.match(applied.stdout, /^hello-paks +1\.1\.0 +1\.2\.0 +spack +added 1\.2\.0$/m);
  assert.match(applied.stdout, /^py-foo +1\.0 +1\.1 +pypi +added 1\.1$/m);
  const after = await readFile(w.recipe('hello-paks'), 'utf8');
  assert.ok((await lstat(w.recipe('hello-paks'))).isSymbolicLink(), 'package.py is still a link');
  assert.equal(await readFile(kept, 'utf8'), after);
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

test('hostile upstreams: junk in the listing, a 404 and an absurd tarball, other bytes for a second client, a trickle, PyPI down', async (t) => {
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

  // A server that gives the second client other (or more) bytes never gets a second client:
  // one download, bounded, and the sha256 of what Paks itself received.
  let n = 0;
  const served: Buffer[] = [];
  w.http.files.set('/hello-paks/hello-paks-1.3.0.tar.gz', () => {
    const bytes = n++ === 0 ? tarball('hello-paks-1.3.0', 'first\n') : Buffer.alloc(8 * 1024 * 1024);
    served.push(bytes);
    return bytes;
  });
  const seen = w.http.log.length;
  const once = await w.paks(['update', 'hello-paks', '--apply', '--max-download-size', String(1024 * 1024)]);
  assert.equal(once.exitCode, 0, once.stdout + once.stderr);
  assert.deepEqual(w.http.log.slice(seen).filter((line) => line.startsWith('GET /hello-paks/hello-paks-1.3.0.tar.gz')), ['GET /hello-paks/hello-paks-1.3.0.tar.gz 200']);
  assert.equal(served.length, 1, 'only Paks downloaded the tarball, within --max-download-size');
  assert.match(await readFile(w.recipe('hello-paks'), 'utf8'), new RegExp(`version\\("1\\.3\\.0", sha256="${createHash('sha256').update(served[0]!).digest('hex')}"\\)`));
  await writeFile(w.recipe('hello-paks'), original);
  w.http.files.delete('/hello-paks/hello-paks-1.3.0.tar.gz');

  // A tarball that trickles for ever is stopped at --download-timeout, and nothing is written.
  w.http.trickled.set('/hello-paks/hello-paks-1.3.0.tar.gz', 100);
  const slow = await w.paks(['update', 'hello-paks', '--apply', '--download-timeout', '1']);
  assert.equal(slow.exitCode, 1);
  assert.match(slow.stdout, /failed: Could not download http:\/\/127\.0\.0\.1:\d+\/hello-paks\/hello-paks-1\.3\.0\.tar\.gz: it was still arriving after 1 seconds \(\d+ bytes so far\), so Paks stopped\./);
  assert.equal(await readFile(w.recipe('hello-paks'), 'utf8'), original);
  w.http.trickled.delete('/hello-paks/hello-paks-1.3.0.tar.gz');

  // PyPI down: that package fails with one sentence, the other goes on; exit 1.
  await w.pypi.close();
  const down = await w.paks(['update']);
  assert.equal(down.exitCode, 1);
  assert.match(down.stdout, /^py-foo +1\.0 +- +pypi +failed: Could not reach http:\/\/127\.0\.0\.1:\d+\/pypi\/foo\/json: the connection was refused\.$/m);
  assert.match(down.stdout, /^hello-paks +1\.1\.0 +1\.3\.0 +spack +1\.3\.0 available/m);
});
