// The stand-in's libc rules for reuse, as Spack 1.1 behaved in the recordings 160–160e
// (test/fixtures/spack-1.1/transcripts/160*): a binary built against a newer glibc is refused
// while concretizing `--use-buildcache only` but installed when named by hash; one built
// against an older glibc on another OS is reused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSpackRoot, runSpack, SPACK_1_1, stopGpgAgent, type SpackRoot } from '../helpers/spack.js';
import { readTranscript } from '../helpers/transcripts.js';

describe('stand-in: reuse across glibc versions (Spack 1.1 recordings 160–160e)', () => {
  let work: string;
  const roots: SpackRoot[] = [];
  const glibc = { debian12: { SPACK_STANDIN_GLIBC: '2.36' }, debian13: { SPACK_STANDIN_GLIBC: '2.41' } };
  /** A fresh host: each case builds on one and installs on the other. */
  const host = async (os: 'debian12' | 'debian13') => {
    const root = await createSpackRoot(join(work, `${os}-${roots.length}`), { spack: SPACK_1_1, arch: `linux-${os}-x86_64_v2`, keyAlgo: 'rsa2048' });
    roots.push(root);
    return root;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'paks-cross-glibc-'));
  });
  after(async () => {
    for (const root of roots) stopGpgAgent(root.root);
    await rm(work, { recursive: true, force: true });
  });

  /** Builds hello-paks on one host and pushes it, unsigned, to its own mirror, which the other host adds. */
  function buildAndShare(from: SpackRoot, fromEnv: Record<string, string>, to: SpackRoot, name: string): string {
    assert.equal(runSpack(from, ['install', 'hello-paks'], fromEnv).code, 0);
    const mirror = join(work, name);
    const pushed = runSpack(from, ['buildcache', 'push', '--unsigned', '--update-index', mirror, 'hello-paks'], fromEnv);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(runSpack(to, ['mirror', 'add', '--unsigned', name, mirror]).code, 0);
    return runSpack(from, ['find', '--format', '{hash}', 'hello-paks'], fromEnv).stdout.trim();
  }

  it('160/160c: a newer-glibc binary is refused while concretizing, installed by hash', async () => {
    const [debian12, debian13] = [await host('debian12'), await host('debian13')];
    assert.equal(readTranscript('1.1', '160-cross-glibc-newer-binary-on-older-host').exitCode, 1);
    const hash = buildAndShare(debian13, glibc.debian13, debian12, 'from-debian13');
    const refused = runSpack(debian12, ['install', '--use-buildcache', 'only', 'hello-paks'], glibc.debian12);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout + refused.stderr, /No binary found when cache-only was specified/);
    assert.equal(readTranscript('1.1', '160c-cross-glibc-by-hash-not-checked').exitCode, 0);
    const byHash = runSpack(debian12, ['install', '--use-buildcache', 'only', `/${hash}`], glibc.debian12);
    assert.equal(byHash.code, 0, byHash.stderr);
    assert.match(byHash.stdout, new RegExp(`Extracting hello-paks-1\\.1\\.0-${hash} from binary cache`));
  });

  it('160d: an older-glibc binary from another OS is reused', async () => {
    const [debian12, debian13] = [await host('debian12'), await host('debian13')];
    assert.equal(readTranscript('1.1', '160d-cross-glibc-older-binary-on-newer-host').exitCode, 0);
    const hash = buildAndShare(debian12, glibc.debian12, debian13, 'from-debian12');
    const reused = runSpack(debian13, ['install', '--use-buildcache', 'only', 'hello-paks'], glibc.debian13);
    assert.equal(reused.code, 0, reused.stderr);
    assert.match(reused.stdout, new RegExp(`Extracting hello-paks-1\\.1\\.0-${hash} from binary cache`));
  });

  it('the os string does not decide: a newer glibc under the same os is refused too', async () => {
    const [older, newer] = [await host('debian12'), await host('debian12')];
    buildAndShare(newer, glibc.debian13, older, 'same-os-newer-glibc');
    const refused = runSpack(older, ['install', '--use-buildcache', 'only', 'hello-paks'], glibc.debian12);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout + refused.stderr, /No binary found when cache-only was specified/);
  });
});
