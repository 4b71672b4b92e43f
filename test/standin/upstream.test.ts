// The stand-in's `spack versions` and `spack checksum` against the recorded Spack 0.23
// transcripts 81-93 and 133 (fixtures/spack/transcripts), with a real HTTP server on loopback
// serving the same directory listing (82). The recording's tarballs are not in the fixtures,
// so the sha256 values of this run's tarballs are mapped back to the recorded ones.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { temporaryDirectory } from '../helpers/cli.js';
import { createSpackRoot, type SpackRoot } from '../helpers/spack.js';
import { readTranscript } from '../helpers/transcripts.js';
import { runSpackAsync as runSpack, sha256, startFileServer, tarball } from '../helpers/upstream.js';


const transcript = (name: string) => readTranscript('0.23', name);

const RECORDED: Record<string, string> = {
  '1.0.0': '10ca2370ef7db8b165a7c2aec6c5efbe636a761948527ce55cc5783d4973ce2f',
  '1.1.0': '4248d717c22be898e9ea8c209261a425afa09583e7d9a3e1d86e32b1334a89d7',
  '1.2.0': '2d6d51bcbc34a5555f4b4670c479c4496dc2740d92b36f50c9fcbc933a1664ec',
};

async function world(t: Parameters<typeof temporaryDirectory>[0]) {
  const dir = await temporaryDirectory(t);
  const server = await startFileServer();
  t.after(() => server.close());
  const ours: Record<string, string> = {};
  for (const v of Object.keys(RECORDED)) {
    const data = tarball(`hello-paks-${v}`, `hello-paks ${v}\n`);
    server.files.set(`/hello-paks/hello-paks-${v}.tar.gz`, data);
    ours[v] = sha256(data);
  }
  const sr = await createSpackRoot(dir);
  const recipe = join(sr.paksdemoRepo!, 'packages', 'hello-paks', 'package.py');
  let text = transcript('81-cat-hello-paks-package-http').stdout.replaceAll('$HTTP', server.url);
  for (const v of ['1.0.0', '1.1.0']) text = text.replace(RECORDED[v]!, ours[v]!);
  await writeFile(recipe, text);
  const back = (s: string) => {
    let out = s.replaceAll(server.url, '$HTTP').replaceAll(sr.paksdemoRepo!, '$TESTREPO');
    for (const v of Object.keys(RECORDED)) out = out.replaceAll(ours[v]!, RECORDED[v]!);
    return out;
  };
  return { sr, server, recipe, back, ours };
}

// Spack 1.1 says where it added versions in one line (1.1 README item 11; its transcript 90).
const ONE_LINE_ADD: [string, string] = [
  '==> Added 1 new versions to hello-paks\n==> Open $TESTREPO/packages/hello-paks/package.py to review the additions.\n',
  '==> Added 1 new versions to hello-paks in $TESTREPO/packages/hello-paks/package.py\n',
];

async function same(sr: SpackRoot, args: string[], name: string, back: (s: string) => string) {
  const r = await runSpack(sr, args);
  const expected = transcript(name);
  if ((sr.env as Record<string, string | undefined>).SPACK_STANDIN_VERSION?.startsWith('1.')) expected.stdout = expected.stdout.replace(...ONE_LINE_ADD);
  assert.equal(back(r.stdout), expected.stdout, `${name} stdout`);
  assert.equal(back(r.stderr), expected.stderr, `${name} stderr`);
  assert.equal(r.code, expected.exitCode, `${name} exit code`);
}

test('spack versions reads list_url like the recording (83-86, 88-88c)', async (t) => {
  const { sr, server, back } = await world(t);
  await same(sr, ['versions', 'hello-paks'], '83-versions-hello-paks-list-url', back);
  await same(sr, ['versions', '--safe', 'hello-paks'], '84-versions-safe', back);
  await same(sr, ['versions', '--new', 'hello-paks'], '85-versions-new', back);
  await same(sr, ['versions', '--remote', 'hello-paks'], '86-versions-remote', back);
  assert.ok(server.log.includes('GET /hello-paks/ 200') && server.log.includes('GET /hello-paks 301'), server.log.join('\n'));
  await server.close();
  await same(sr, ['versions', '--new', 'hello-paks'], '88-versions-new-server-down', back);
  await same(sr, ['versions', '--remote', 'hello-paks'], '88b-versions-remote-server-down', back);
  await same(sr, ['versions', 'hello-paks'], '88c-versions-server-down', back);
});

test('spack checksum --batch, --add-to-package, --verify and --latest like the recording (89-93b, 133)', async (t) => {
  const { sr, server, recipe, back, ours } = await world(t);
  await same(sr, ['checksum', '--batch', 'hello-paks', '1.2.0'], '89-checksum-batch-1.2.0', back);
  await same(sr, ['checksum', '--batch', 'hello-paks', '9.9.9'], '93-checksum-batch-9.9.9', back);
  await same(sr, ['checksum', '--batch', '--latest', 'hello-paks'], '93b-checksum-batch-latest', back);
  await same(sr, ['checksum', '--batch', '--add-to-package', 'hello-paks', '1.2.0'], '90-checksum-batch-add-to-package', back);
  assert.equal(back(await readFile(recipe, 'utf8')), transcript('91-cat-hello-paks-after-add').stdout);
  const again = await runSpack(sr, ['checksum', '--batch', '--add-to-package', 'hello-paks', '1.2.0']);
  assert.match(again.stdout, /Added 0 new versions/);
  await same(sr, ['checksum', '--verify', 'hello-paks'], '92-checksum-verify', back);
  // What Spack says about the repository's packages after the addition (96).
  const listed = await runSpack(sr, ['list', '--format', 'version_json', '-r', 'paksdemo']);
  const recorded = transcript('96-list-version-json-repo-paksdemo').stdout;
  if ((sr.env as Record<string, string | undefined>).SPACK_STANDIN_VERSION?.startsWith('1.')) {
    const pick = (text: string) => (JSON.parse(text) as Array<{ name: string; versions: string[]; latest_version: string }>).map((p) => [p.name, p.latest_version, p.versions]);
    assert.deepEqual(pick(listed.stdout), pick(recorded));
  } else assert.equal(listed.stdout, recorded);
  // Upstream re-rolled 1.0.0 (92b): the table names the new digest and Spack exits 1.
  const rerolled = tarball('hello-paks-1.0.0', 'hello-paks 1.0.0\n', 1);
  server.files.set('/hello-paks/hello-paks-1.0.0.tar.gz', rerolled);
  const r = await runSpack(sr, ['checksum', '--verify', 'hello-paks']);
  const expected = transcript('92b-checksum-verify-upstream-rerolled');
  assert.equal(r.code, 1);
  assert.equal(back(r.stderr), expected.stderr);
  assert.match(r.stdout, new RegExp(`1\\.0\\.0  \\[x\\] ${sha256(rerolled)}`));
  assert.match(r.stdout, /==> Verified 2 of 3\n/);
  void ours;
  await server.close();
  await same(sr, ['checksum', '--batch', 'hello-paks', '1.2.0'], '133-checksum-server-down', back);
  await same(sr, ['checksum', '--verify', 'hello-paks'], '133b-checksum-verify-server-down', back);
});

test('Spack 1.x says where it added the versions in one line (1.1 README item 11)', async (t) => {
  const { sr, back } = await world(t);
  const r = await runSpack(sr, ['checksum', '--batch', '--add-to-package', 'hello-paks', '1.2.0'], { SPACK_STANDIN_VERSION: '1.1.0' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(back(r.stdout), /==> Added 1 new versions to hello-paks in \$TESTREPO\/packages\/hello-paks\/package\.py\n$/);
});
