// Tests of the Spack 0.23 stand-in against the recorded real-Spack transcripts
// in test/fixtures/spack/transcripts (see the README there).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSpackRoot, runSpack, SPACK_0_23, stopGpgAgent, type SpackRoot } from '../helpers/spack.js';
import { readTranscript } from '../helpers/transcripts.js';

const FIX = fileURLToPath(new URL('../fixtures/spack/', import.meta.url));

const transcript = (name: string) => readTranscript('0.23', name);

// replace this run's paths by the transcript placeholders, blank out timings
function normalize(s: string, sr: SpackRoot, extra: Record<string, string> = {}): string {
  let out = s;
  for (const [path, ph] of Object.entries(extra)) out = out.split(path).join(ph);
  if (sr.paksdemoRepo) {
    out = out.split(join(sr.paksdemoRepo, 'src')).join('$SRC');
    out = out.split(sr.paksdemoRepo).join('$TESTREPO');
  }
  out = out.split(sr.userConfig).join('$SPACK_USER_CONFIG_PATH');
  out = out.split(sr.root).join('$SPACK_ROOT');
  return out.replace(/\d+\.\d\ds\./g, 'T.') .replace(/\d+\.\d\ds$/gm, 'T');
}
function timings(s: string): string {
  return s.replace(/\d+\.\d\ds\./g, 'T.').replace(/\d+\.\d\ds$/gm, 'T');
}

describe('spack stand-in', () => {
  let work: string;
  let sr: SpackRoot;
  let cache: string;
  const spack = (...args: string[]) => runSpack(sr, args);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'paks-standin-'));
    sr = await createSpackRoot(work, { spack: SPACK_0_23, keyAlgo: 'rsa2048' });
    cache = join(work, 'cache');
  });
  after(async () => {
    stopGpgAgent(sr.root);
    await rm(work, { recursive: true, force: true });
  });

  it('answers --version, python and bootstrap status like Spack 0.23', () => {
    assert.equal(spack('--version').stdout, transcript('46b-spack-version').stdout);
    assert.equal(spack('python', '-c', 'import spack; print(spack.spack_version)').stdout, transcript('46-spack-python-version').stdout);
    const other = spack('python', '-c', 'import os; print(1)');
    assert.equal(other.code, 1);
    assert.match(other.stderr, /^==> Error: /);
    assert.equal(spack('bootstrap', 'status').stdout, transcript('02-bootstrap-status').stdout);
    assert.equal(normalize(spack('repo', 'list').stdout, sr), transcript('05-repo-list').stdout);
  });

  it('concretizes to the recorded spec DAG, hashes included', () => {
    const json = spack('spec', '--json', 'hello-paks');
    assert.equal(json.code, 0);
    assert.equal(json.stdout.trim(), transcript('07-spec-json-hello-paks').stdout.trim());
    assert.equal(spack('spec', 'hello-paks').stdout, transcript('06-spec-hello-paks').stdout);
    assert.equal(spack('spec', '-l', 'greet-paks').stdout, transcript('08b-spec-l-greet-paks').stdout);
    assert.equal(spack('spec', '-N', 'greet-paks').stdout, transcript('08-spec-N-greet-paks').stdout);
    // several roots: several JSON documents back to back
    const two = spack('spec', '--json', 'hello-paks', 'greet-paks').stdout;
    assert.equal(two.split('\n').filter(Boolean).length, 2);
  });

  it('reports unknown packages and unsatisfiable versions like Spack', () => {
    const t11 = transcript('11-install-nonexistent');
    const r11 = spack('install', '--fail-fast', 'nonexistent-pkg-xyz');
    assert.deepEqual([r11.code, r11.stdout, r11.stderr], [t11.exitCode, t11.stdout, t11.stderr]);
    const t12 = transcript('12-install-bad-version');
    const r12 = spack('install', 'hello-paks@9.9');
    assert.deepEqual([r12.code, r12.stdout, r12.stderr], [t12.exitCode, t12.stdout, t12.stderr]);
  });

  it('installs from source with the recorded output and files', () => {
    const r9 = spack('install', 'hello-paks');
    assert.equal(r9.code, 0);
    assert.equal(normalize(r9.stdout, sr), timings(transcript('09-install-hello-paks').stdout));
    const r10 = spack('install', 'greet-paks');
    assert.equal(normalize(r10.stdout, sr), timings(transcript('10-install-greet-paks').stdout));
    const prefix = spack('location', '-i', 'hello-paks').stdout.trim();
    assert.ok(existsSync(join(prefix, 'bin', 'hello-paks')));
    assert.ok(existsSync(join(prefix, 'lib', 'libhellopaks.so')));
    const specJson = JSON.parse(readFileSync(join(prefix, '.spack', 'spec.json'), 'utf8'));
    assert.equal(specJson.spec.nodes[0].hash, 'v3txzpguqtrca4lvc5rmlzbkazgyeoku');
    // already installed: only [+] lines
    const again = spack('install', 'hello-paks');
    assert.ok(again.stdout.split('\n').filter(Boolean).every((l) => l.startsWith('[+] ')));
  });

  it('prints spack find like the recordings', () => {
    for (const [name, args] of [
      ['13-find', ['find']],
      ['15-find-lN', ['find', '-lN']],
      ['16-find-p-hello-paks', ['find', '-p', 'hello-paks']],
      ['17-find-format', ['find', '--format', '{name}@{version}/{hash:7}']],
      ['17b-find-d-greet-paks', ['find', '-dl', 'greet-paks']],
    ] as const) {
      assert.equal(normalize(spack(...args).stdout, sr), transcript(name).stdout, name);
    }
    assert.deepEqual(JSON.parse(spack('find', '--json').stdout), JSON.parse(transcript('14-find-json').stdout));
  });

  it('refuses uninstalls like Spack', () => {
    for (const [name, args] of [
      ['35-uninstall-has-dependents', ['uninstall', '-y', 'hello-paks']],
      ['36-uninstall-nonexistent', ['uninstall', '-y', 'nonexistent-pkg-xyz']],
      ['36b-uninstall-not-installed-known-pkg', ['uninstall', '-y', 'zlib']],
    ] as const) {
      const t = transcript(name);
      const r = spack(...args);
      assert.deepEqual([r.code, r.stdout, r.stderr], [t.exitCode, t.stdout, t.stderr], name);
    }
  });

  it('creates keys and pushes a signed layout-v2 build cache', async () => {
    const g = spack('gpg', 'create', 'Paks Test', 'paks@example.com');
    assert.equal(g.code, 0);
    assert.match(g.stderr, /revocation certificate stored/);
    const list = spack('gpg', 'list');
    assert.match(list.stdout, /uid +\[ultimate\] Paks Test \(GPG created for Spack\) <paks@example.com>/);
    const push = spack('buildcache', 'push', '--update-index', cache, 'greet-paks');
    assert.equal(push.code, 0, push.stderr);
    assert.equal(normalize(push.stdout, sr, { [cache]: '$CACHE' }), transcript('21-buildcache-push-signed').stdout);
    const bc = join(cache, 'build_cache');
    const files = (await readdir(bc)).sort();
    assert.ok(files.includes('index.json') && files.includes('index.json.hash') && files.includes('_pgp'));
    // same DAG hashes => the index is byte-identical to the one real Spack wrote
    assert.equal(await readFile(join(bc, 'index.json'), 'utf8'), await readFile(join(FIX, 'buildcache-signed/build_cache/index.json'), 'utf8'));
    assert.equal(await readFile(join(bc, 'index.json.hash'), 'utf8'), await readFile(join(FIX, 'buildcache-signed/build_cache/index.json.hash'), 'utf8'));
    const sigName = 'linux-debian12-icelake-gcc-12.2.0-greet-paks-1.0.0-eus5xxlme3e4olqwzmc6dk5dp6hopdrj.spec.json.sig';
    const sig = await readFile(join(bc, sigName), 'utf8');
    assert.match(sig, /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n\{\n"spec":\{\n/);
    const body = (s: string) => s.replace(/"hash":"[0-9a-f]{64}"/, '').replace(/-----BEGIN PGP SIGNATURE-----[\s\S]*$/, '');
    assert.equal(body(sig), body(await readFile(join(FIX, 'buildcache-signed/build_cache', sigName), 'utf8')));
    const pgp = JSON.parse(await readFile(join(bc, '_pgp', 'index.json'), 'utf8'));
    assert.equal(Object.keys(pgp.keys).length, 1);
    const verify = spawnSync('gpg', ['--verify', join(bc, sigName)], { env: { ...process.env, GNUPGHOME: join(sr.root, 'opt/spack/gpg') }, encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    // the .spack tarball checksum is the one in the spec file
    const tarball = join(bc, 'linux-debian12-icelake/gcc-12.2.0/greet-paks-1.0.0', sigName.replace('.spec.json.sig', '.spack'));
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(await readFile(tarball)).digest('hex');
    assert.ok(sig.includes(`"hash":"${sha}"`));
    const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout;
    assert.match(listing, /greet-paks-1\.0\.0-eus5xxlme3e4olqwzmc6dk5dp6hopdrj\/bin\/greet-paks\n/);
    assert.match(listing, /\.spack\/binary_distribution\n$/);
  });

  it('manages mirrors like Spack', () => {
    assert.equal(spack('mirror', 'add', 'paks-local', `file://${cache}`).code, 0);
    const dup = spack('mirror', 'add', 'paks-local', `file://${cache}`);
    const t39 = transcript('39-mirror-add-duplicate');
    assert.deepEqual([dup.code, dup.stderr], [t39.exitCode, t39.stderr]);
    assert.equal(normalize(spack('mirror', 'list').stdout, sr, { [cache]: '$CACHE' }), transcript('30-mirror-list').stdout);
    assert.equal(readFileSync(join(sr.userConfig, 'mirrors.yaml'), 'utf8'), `mirrors:\n  paks-local: file://${cache}\n`);
    assert.equal(spack('buildcache', 'list', '--allarch').stdout, transcript('31-buildcache-list-allarch').stdout);
    assert.equal(spack('buildcache', 'list', '-lvL', '--allarch').stdout, transcript('32-buildcache-list-variants').stdout);
  });

  it('uninstalls with --dependents and reinstalls from the signed cache only', () => {
    const u = spack('uninstall', '-y', '--dependents', 'hello-paks', 'gcc-runtime');
    assert.equal(u.stdout, transcript('42-uninstall-dependents').stdout);
    const r = spack('install', '--use-buildcache', 'only', 'greet-paks');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(normalize(r.stdout, sr, { [cache]: '$CACHE' }), timings(transcript('45-time-install-cache-only').stdout));
    assert.equal((r.stderr.match(/Good signature from "Paks Test \(GPG created for Spack\) <paks@example.com>"/g) ?? []).length, 3);
    const run = spawnSync('sh', ['-c', 'eval "$(spack load --sh greet-paks)" && greet-paks from-cache && hello-paks'], { env: { ...process.env, ...sr.env }, encoding: 'utf8' });
    assert.equal(run.stdout, transcript('45b-run-greet-paks').stdout.split('\n').slice(0, 2).join('\n') + '\n');
    const noShell = spack('load', 'greet-paks');
    assert.equal(noShell.code, 1);
    assert.equal(normalize(noShell.stderr, sr), transcript('45c-spack-load-needs-shell-support').stderr);
  });

  it('handles ambiguous and by-hash uninstalls', () => {
    assert.equal(spack('install', 'hello-paks@1.0.0').code, 0);
    const hash = spack('find', '--format', '{hash:7}', 'hello-paks@1.0.0').stdout.trim();
    const t52 = transcript('52-uninstall-ambiguous');
    const r52 = spack('uninstall', '-y', 'hello-paks');
    assert.equal(r52.code, 1);
    assert.equal(r52.stdout, t52.stdout);
    assert.equal(r52.stderr, t52.stderr.replace('pfaosn5', hash));
    const r53 = spack('uninstall', '-y', `/${hash}`);
    assert.equal(r53.stdout, transcript('53-uninstall-by-hash').stdout.replace('pfaosn5', hash));
  });

  it('fails like Spack on build errors, cache-only misses and signing ambiguity', async () => {
    const fail = runSpack(sr, ['install', 'zlib'], { SPACK_STANDIN_FAIL_BUILD: 'zlib' });
    assert.equal(fail.code, 1);
    assert.match(fail.stderr, /^==> Error: ProcessError: Command exited with status 2:\n    'make' '-j2'/);
    assert.match(fail.stderr, /See build log for details:\n  .*spack-build-out.txt\n/);
    assert.equal(spack('find', 'zlib').code, 1);
    const only = spack('install', '--use-buildcache', 'only', 'zlib');
    assert.equal(only.code, 1);
    assert.match(only.stderr, /==> Error: Failed to install zlib due to InstallError: No binary found when cache-only was specified\n$/);
    const notInstalled = spack('buildcache', 'push', cache, 'zlib');
    assert.deepEqual([notInstalled.code, notInstalled.stderr], [1, "==> Error: Spec 'zlib' matches no installed packages.\n"]);
    assert.equal(spack('gpg', 'create', 'Other', 'other@example.com').code, 0);
    const two = spack('buildcache', 'push', '-f', cache, 'hello-paks');
    assert.equal(two.code, 1);
    assert.match(two.stderr, /^==> Error: Multiple keys available for signing\n\['[0-9A-F]{40}', '[0-9A-F]{40}'\]\nUse spack buildcache create -k <key hash> to pick a key.\n$/);
    const unknown = spack('install', '--bogus', 'zlib');
    assert.deepEqual([unknown.code, unknown.stderr], [1, '==> Error: unrecognized arguments: --bogus\n']);
    const missing = spack('gpg', 'create');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /spack gpg create: error: the following arguments are required: name, email\n$/);
  });

  it('verifies signatures in a fresh Spack with another keyring', async () => {
    // A shorter install root than the producer's: binaries relocate into it.
    const otherDir = await mkdtemp(join(tmpdir(), 'o-'));
    const other = await createSpackRoot(otherDir, { spack: SPACK_0_23, keyAlgo: 'rsa2048' });
    try {
      const run = (...args: string[]) => runSpack(other, args);
      assert.equal(run('mirror', 'add', 'paks-local', `file://${cache}`).code, 0);
      const untrusted = run('install', '--use-buildcache', 'only', 'hello-paks');
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /==> Warning: Failed to verify: file:\/\/.*gcc-runtime.*\.spec\.json\.sig\n/);
      assert.match(untrusted.stderr, /NoVerifyException: Spack found new style signed binary packages, but was unable to verify any of them/);
      assert.match(untrusted.stderr, /==> Error: Installation request failed\.  Refer to reported errors for failing package\(s\)\.\n$/);
      const keys = run('buildcache', 'keys', '--install', '--trust');
      assert.equal(keys.code, 0);
      assert.match(keys.stdout, /^==> Fetching file:\/\/.*_pgp\/[0-9A-F]{40}\.pub\n/);
      const ok = run('install', '--use-buildcache', 'only', 'greet-paks');
      assert.equal(ok.code, 0, ok.stderr);
      // relocated into the other root
      const script = readFileSync(join(run('location', '-i', 'greet-paks').stdout.trim(), 'bin', 'greet-paks'), 'utf8');
      assert.ok(script.includes(other.root) && !script.includes(sr.root + '/'));
      const lib = readFileSync(join(run('location', '-i', 'hello-paks').stdout.trim(), 'lib', 'libhellopaks.so'), 'latin1');
      assert.ok(lib.includes(`${other.root}/opt/spack/`) && lib.endsWith('\0'), 'the library\'s C string shrank, padded with NULs');
    } finally {
      stopGpgAgent(other.root);
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('a binary does not install into a longer prefix (CannotGrowString) unless the producer padded its own', async () => {
    const longer = await createSpackRoot(join(work, 'a-much-longer-consumer-root'), { keyAlgo: 'rsa2048' });
    const padded = await createSpackRoot(join(work, 'padded'), { keyAlgo: 'rsa2048' });
    try {
      const run = (...args: string[]) => runSpack(longer, args);
      assert.equal(run('mirror', 'add', '--unsigned', 'paks-local', `file://${cache}`).code, 0);
      const refused = run('install', '--use-buildcache', 'only', 'hello-paks');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /==> Error: Failed to install hello-paks due to CannotGrowString: Cannot replace b'\/[^']+\/hello-paks-1\.1\.0-v3txzpg[a-z2-7]+' with b'[^']+a-much-longer-consumer-root[^']+' because the new prefix is longer\. To fix this, compile with more padding \(config:install_tree:padded_length\), or install to a shorter prefix\.\n/);
      assert.equal(run('find', 'hello-paks').code, 1, 'nothing was left installed');
      // The producer pads its install root to 128 characters; its "[+]" lines shorten the padding.
      const pad = (...args: string[]) => runSpack(padded, ['-c', 'config:install_tree:padded_length:128', ...args]);
      const built = pad('install', 'hello-paks');
      assert.equal(built.code, 0, built.stderr);
      assert.match(built.stdout, /^\[\+\] \/.*\/\[padded-to-128-chars\]\/linux-debian12-icelake\/gcc-12\.2\.0\/hello-paks-1\.1\.0-v3txzpg[a-z2-7]+$/m);
      const where = pad('location', '-i', 'hello-paks').stdout.trim();
      assert.equal(where.indexOf('/linux-debian12-icelake/'), 128);
      assert.match(where, /__spack_path_placeholder__/);
      const paddedCache = join(work, 'padded-cache');
      assert.equal(pad('buildcache', 'push', '--unsigned', paddedCache, 'hello-paks').code, 0);
      assert.equal(run('mirror', 'remove', 'paks-local').code, 0);
      assert.equal(run('mirror', 'add', '--unsigned', 'padded', `file://${paddedCache}`).code, 0);
      const installed = run('install', '--use-buildcache', 'only', 'hello-paks');
      assert.equal(installed.code, 0, installed.stderr);
      const lib = readFileSync(join(run('location', '-i', 'hello-paks').stdout.trim(), 'lib', 'libhellopaks.so'), 'latin1');
      assert.ok(lib.includes(`${longer.root}/opt/spack/linux-debian12-icelake/`));
    } finally {
      stopGpgAgent(longer.root);
      stopGpgAgent(padded.root);
    }
  });
});
