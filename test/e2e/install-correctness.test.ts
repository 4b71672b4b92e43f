/**
 * What `paks install` must get right beyond the happy path: the whole spec, any prefix,
 * already-installed specs, silent registries and interruptions (issue 14).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { World, type Machine } from './world.js';
import { testSpack } from '../helpers/spack.js';

/** Waits (up to a minute) for something to become true; not a timing assertion. */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('install honours the whole spec, installs into any prefix, and cleans up when interrupted', () => {
  let world: World;
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let builder: Machine;
  let publicKey: string;

  const consumer = async (name: string, registries: string[]): Promise<Machine> => {
    const machine = await world.machine(name, { registries });
    assert.equal((await machine.paks(['key', 'trust', publicKey])).exitCode, 0);
    return machine;
  };
  /** A TMPDIR of its own, so a test can see every temporary folder Paks leaves. */
  const tmp = async (name: string) => {
    const dir = join(world.dir, `tmp-${name}`);
    await mkdir(dir, { recursive: true });
    return dir;
  };

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.host);
    builder = await world.machine('builder');
    assert.equal((await builder.paks(['key', 'create'])).exitCode, 0);
    publicKey = join(world.dir, 'publisher.asc');
    assert.equal((await builder.paks(['key', 'export', publicKey])).exitCode, 0);
    const built = await builder.paks(['build', 'greet-paks', '--push', `${registry.host}/paks/greet-paks`]);
    assert.equal(built.exitCode, 0, built.stderr);
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
    await world?.dispose();
  });

  test('a binary is used only when its signed spec satisfies every constraint; the report says why not', async () => {
    const user = await consumer('satisfies', [`${registry.host}/paks`]);
    for (const [spec, why] of [
      ['greet-paks ^hello-paks@1.0.0', "the registry's greet-paks depends on hello-paks@1.1.0; you asked ^hello-paks@1.0.0"],
      ['greet-paks build_system=cmake', "the registry's greet-paks is build_system=makefile; you asked build_system=cmake"],
      ['greet-paks %clang', "the registry's greet-paks was built with %gcc@12.2.0; you asked %clang"],
      ['greet-paks@1.1:', "the registry's greet-paks is @1.0.0; you asked @1.1:"],
      ['greet-paks os=ubuntu22.04', "the registry's greet-paks is for os=debian12; you asked os=ubuntu22.04"],
    ] as const) {
      const refused = await user.paks(['install', '--cache-only', spec]);
      assert.equal(refused.exitCode, 1, spec);
      assert.ok(refused.stderr.includes(`No binary of ${spec} for ${testSpack.arch}: ${why} (`), `${spec}:\n${refused.stderr}`);
    }
    assert.equal((await user.paks(['list', 'greet-paks'])).exitCode, 1, 'nothing was installed');

    const fits = await user.paks(['install', '--json', `greet-paks@1: %gcc@12 ^hello-paks@1.1 target=${testSpack.target}`]);
    assert.equal(fits.exitCode, 0, fits.stderr);
    const [root] = JSON.parse(fits.stdout);
    assert.equal(root.origin.kind, 'binary');
    assert.equal(root.origin.verified, true);

    // Installed already: nothing is downloaded, installed or rewritten.
    const sbomBefore = await stat(root.sbom);
    const again = await user.paks(['install', '--json', 'greet-paks']);
    assert.equal(again.exitCode, 0, again.stderr);
    const [same] = JSON.parse(again.stdout);
    assert.deepEqual(same.origin, { kind: 'installed' });
    assert.equal(same.prefix, root.prefix);
    assert.doesNotMatch(again.stderr, /==> Installing|Pulling|Installing greet-paks/);
    assert.equal((await stat(root.sbom)).mtimeMs, sbomBefore.mtimeMs, 'the SBOM is not rewritten');
    const text = await user.paks(['install', 'greet-paks']);
    assert.equal(text.stdout, `[+] ${root.prefix}\n`);
    assert.match(text.stderr, /greet-paks@1\.0\.0: already installed/);
  });

  test('a request the binary does not satisfy is built from source, saying why', async () => {
    const user = await consumer('source', [`${registry.host}/paks`]);
    const result = await user.paks(['install', '--json', 'greet-paks ^hello-paks@1.0.0']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout)[0].origin.kind, 'source');
    assert.match(result.stderr, /No binary of greet-paks \^hello-paks@1\.0\.0 found \(the registry's greet-paks depends on hello-paks@1\.1\.0; you asked \^hello-paks@1\.0\.0 .*\); building from source\./);
    const listed = JSON.parse((await user.paks(['list', '--json', 'hello-paks'])).stdout) as Array<{ version: string }>;
    assert.deepEqual(listed.map((s) => s.version), ['1.0.0']);
  });

  test('syntax Paks does not evaluate is left to Spack, with only the verified cache as a mirror', async () => {
    const user = await consumer('deferred', [`${registry.host}/paks`]);
    const result = await user.paks(['install', '--json', 'greet-paks hello-paks']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /Paks does not check 2 packages in one argument itself: Spack decides whether the binary fits\./);
    const [root] = JSON.parse(result.stdout);
    assert.equal(root.origin.kind, 'binary');
    assert.equal(root.origin.verified, true);
  });

  test('binaries built by paks build install into a longer prefix than the producer\'s; unpadded ones fall back', async () => {
    const longName = 'a-consumer-whose-install-prefix-is-much-longer-than-the-builders';
    const user = await consumer(longName, [`${registry.host}/paks`]);
    const result = await user.paks(['install', '--json', 'greet-paks']);
    assert.equal(result.exitCode, 0, result.stderr);
    const [root] = JSON.parse(result.stdout);
    assert.equal(root.origin.kind, 'binary');
    assert.ok(root.prefix.length > builder.spackRoot.length + 60, 'the consumer prefix is longer than the unpadded producer one');
    const lib = await readFile(join(root.prefix, '..', (await readdir(join(root.prefix, '..'))).find((d) => d.startsWith('hello-paks-'))!, 'lib', 'libhellopaks.so'), 'latin1');
    // The install tree projection: 0.23 <arch>/<compiler>/…, 1.x <platform>-<target>/… (Spack 1.1 README item 5).
    assert.ok(lib.includes(`${longName}/spack/spack/opt/spack/${testSpack.series === '1.1' ? `linux-${testSpack.target}/` : `${testSpack.arch}/gcc-12.2.0/`}`), 'relocated into the consumer prefix');

    // Without padding the same binary cannot grow into that prefix: Spack's CannotGrowString, then a source build.
    const unpadded = await builder.paks(['build', 'greet-paks', '--push', `${registry.host}/unpadded/greet-paks`], { PAKS_BUILD_PADDED_LENGTH: '0' });
    assert.equal(unpadded.exitCode, 0, unpadded.stderr);
    const other = await consumer(`${longName}-2`, [`${registry.host}/unpadded`]);
    const fallback = await other.paks(['install', '--json', 'greet-paks']);
    assert.equal(fallback.exitCode, 0, fallback.stderr);
    assert.equal(JSON.parse(fallback.stdout)[0].origin.kind, 'source');
    assert.match(fallback.stderr, /CannotGrowString: Cannot replace b'[^']+' with b'[^']+' because the new prefix is longer/);
    assert.match(fallback.stderr, /building it from source/);
  });

  test('a registry that accepts connections but never answers is named while Paks waits, then passed over', async () => {
    proxy.inject({ match: () => true, fault: { kind: 'no-answer' }, times: Infinity });
    try {
      const user = await world.machine('silent', { registries: [`${proxy.host}/paks`] });
      const result = await user.paks(['install', '--json', 'hello-paks'], { PAKS_REGISTRY_TIMEOUT: '0.3', PAKS_REGISTRY_LOOKUP_TIMEOUT: '2' });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout)[0].origin.kind, 'source');
      // Named at the first unanswered request (registry_timeout), once, then passed over.
      const named = new RegExp(`${proxy.host.replace(/\./g, '\\.')} does not answer \\(${proxy.host.replace(/\./g, '\\.')} did not start answering within 0\\.3 s\\); Paks tries again`, 'g');
      assert.equal(result.stderr.match(named)?.length, 1, result.stderr);
      assert.match(result.stderr, /No binary of hello-paks found \(.*(no answer within 2 s|did not start answering within 0\.3 s).*\); building from source\./);
    } finally {
      proxy.clear();
    }
  });

  test('SIGINT during a download stops it, removes the pulled files and scopes, and exits 130', async () => {
    proxy.inject({ match: (r) => r.method === 'GET' && r.path.includes('/blobs/sha256:'), fault: { kind: 'stall-response', afterBytes: 64 }, times: Infinity });
    try {
      const user = await consumer('interrupted-download', [`${proxy.host}/paks`]);
      const seen = proxy.requests.length;
      const dir = await tmp('download');
      let child: ChildProcess | undefined;
      const running = user.paks(['install', 'greet-paks'], { TMPDIR: dir }, { onSpawn: (c) => (child = c) });
      await until('the download to start', async () => proxy.requests.slice(seen).some((r) => r.fault === 'stall-response') && (await readdir(dir)).some((n) => n.startsWith('paks-pull-')));
      child!.kill('SIGINT');
      const result = await running;
      assert.equal(result.exitCode, 130, result.stderr);
      assert.equal(result.stderr.trimEnd().split('\n').at(-1), 'Interrupted (SIGINT): stopped Spack and the transfers, and removed the temporary folders.');
      assert.deepEqual(await readdir(dir), [], 'no paks-pull-* or paks-scope-* left');
    } finally {
      proxy.clear();
    }
  });

  test('SIGTERM during the install stops Spack, removes the temporary scope and mirror, and exits 143', async () => {
    const user = await consumer('interrupted-install', [`${registry.host}/paks`]);
    const dir = await tmp('install');
    let signalled = false;
    const result = await user.paks(['install', 'greet-paks'], { TMPDIR: dir, SPACK_STANDIN_INSTALL_DELAY: '60' }, {
      onStderr: (text, child) => {
        // Spack 1.x prints "Installing" for a cache install only when it is done; "Fetching" comes first.
        if (!signalled && text.includes(testSpack.series === '1.1' ? '==> Fetching' : '==> Installing')) {
          signalled = true;
          child.kill('SIGTERM');
        }
      },
    });
    assert.ok(signalled, result.stderr);
    assert.equal(result.exitCode, 143, result.stderr);
    assert.equal(result.stderr.trimEnd().split('\n').at(-1), 'Interrupted (SIGTERM): stopped Spack and the transfers, and removed the temporary folders.');
    assert.deepEqual(await readdir(dir), []);
    // No process is left whose command line names this test's folders (Spack runs with -C <TMPDIR>/paks-scope-…).
    const commandLines = await Promise.all((await readdir('/proc')).filter((p) => /^\d+$/.test(p)).map((p) => readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')));
    assert.ok(!commandLines.some((line) => line.includes(dir)), 'Spack was stopped, not left running');
    assert.equal((await user.paks(['list', 'greet-paks'])).exitCode, 1, 'nothing half-installed');
  });

  test('SIGINT during a build\'s push keeps the cache and says how to push it again', async () => {
    proxy.inject({ match: (r) => r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH', fault: { kind: 'no-answer' }, times: Infinity });
    try {
      const dir = await tmp('build');
      const seen = proxy.requests.length;
      let child: ChildProcess | undefined;
      const target = `${proxy.host}/paks/hello-paks`;
      const running = builder.paks(['build', 'hello-paks', '--unsigned', '--push', target], { TMPDIR: dir }, { onSpawn: (c) => (child = c) });
      await until('the push to start', () => proxy.requests.slice(seen).some((r) => r.fault === 'no-answer'));
      child!.kill('SIGINT');
      const result = await running;
      assert.equal(result.exitCode, 130, result.stderr);
      const last = result.stderr.trimEnd().split('\n').at(-1)!;
      const match = /^Interrupted \(SIGINT\): the build cache of hello-paks@1\.1\.0 is kept in (\S+); push it again with: paks push (\S+) (\S+)\.$/.exec(last);
      assert.ok(match, last);
      assert.equal(match[2], match[1]);
      assert.equal(match[3], target);
      assert.ok((await readdir(join(match[1]!, testSpack.layout === 3 ? 'v3/manifests/spec' : 'build_cache'))).length > 0, 'the kept cache is whole');
      assert.deepEqual((await readdir(dir)).filter((n) => !match[1]!.includes(n)), [], 'only the kept cache is left');
      await rm(match[1]!, { recursive: true, force: true });
    } finally {
      proxy.clear();
    }
  });

  test('--cache-dir naming a file, and a stale unsigned cache, are one sentence with what to do', async () => {
    const file = join(world.dir, 'not-a-folder');
    await writeFile(file, 'x');
    const onFile = await builder.paks(['build', 'hello-paks', '--cache-dir', file]);
    assert.equal(onFile.exitCode, 2);
    assert.match(onFile.stderr, /^Error: --cache-dir \S+not-a-folder is a file, not a folder\.$/m);
    assert.doesNotMatch(onFile.stderr, /EEXIST|bug in Paks/);
    const cache = join(world.dir, 'stale');
    assert.equal((await builder.paks(['build', 'hello-paks', '--unsigned', '--cache-dir', cache])).exitCode, 0);
    const stale = await builder.paks(['build', 'hello-paks', '--cache-dir', cache]);
    assert.equal(stale.exitCode, 1);
    assert.match(stale.stderr, /holds an unsigned .+ from an earlier build/);
    assert.match(stale.stderr, /--force/);
    // --force --push removes the pushed build cache after the push, and nothing else of the folder.
    await writeFile(join(cache, 'notes.txt'), 'mine\n');
    const forced = await builder.paks(['build', 'hello-paks', '--force', '--cache-dir', cache, '--push', `${registry.host}/forced/hello-paks`]);
    assert.equal(forced.exitCode, 0, forced.stderr);
    assert.equal(await readFile(join(cache, 'notes.txt'), 'utf8'), 'mine\n');
    assert.deepEqual(await readdir(cache), ['notes.txt']);
    assert.match(forced.stderr, /Kept \S+stale: it holds 1 entry that is not part of the build cache \(notes\.txt\)\./);
  });
});
