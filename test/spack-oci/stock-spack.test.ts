/**
 * Stock Spack installs from a Paks registry: `paks build --push` to a TLS registry on loopback
 * (HTTPS first, no --plain-http), then `spack mirror add --unsigned NAME oci://REF` and
 * `spack -c config:ssl_certs:CERT install --use-buildcache only` (Spack 0.23 transcripts 60–68;
 * the stand-in reads OCI mirrors the way those transcripts show).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { World, type Machine } from '../e2e/world.js';

const exec = promisify(execFile);

describe('stock Spack installs from the Spack-native images of a Paks push', () => {
  let world: World;
  let registry: TestRegistry;
  let user: Machine;

  before(async () => {
    world = await World.create();
    registry = await startRegistry({ kind: 'none' }, { tls: true });
    const builder = await world.machine('builder');
    assert.equal((await builder.paks(['key', 'create'])).exitCode, 0);
    const built = await builder.paks(['build', 'greet-paks', '--push', `${registry.host}/paks/cache`], { NODE_EXTRA_CA_CERTS: registry.certPath! });
    assert.equal(built.exitCode, 0, built.stderr);
    user = await world.machine('user');
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  const spack = (args: string[]) => exec(join(user.spackRoot, 'bin', 'spack'), args, { env: { ...process.env, ...user.env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

  it('spack install --use-buildcache only, over HTTPS with the registry certificate', async () => {
    const added = await spack(['mirror', 'add', '--unsigned', 'paks', `oci://${registry.host}/paks/cache`]);
    assert.equal(added.code, 0, added.stderr);
    // Spack insists on HTTPS and on a trusted certificate (transcript 62).
    const untrusted = await spack(['install', '--use-buildcache', 'only', 'greet-paks']);
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /CERTIFICATE_VERIFY_FAILED/);
    const result = await spack(['-c', `config:ssl_certs:${registry.certPath}`, 'install', '--use-buildcache', 'only', 'greet-paks']);
    assert.equal(result.code, 0, result.stderr);
    for (const name of ['gcc-runtime', 'hello-paks', 'greet-paks']) {
      assert.match(result.stdout, new RegExp(`==> Fetching https://${registry.host.replace(/\./g, '\\.')}/v2/paks/cache/blobs/sha256:[0-9a-f]{64}\\n==> Extracting ${name}-`));
    }
    assert.match(result.stdout, /\[\+\] .*\/greet-paks-1\.0\.0-[a-z2-7]{32}$/m);
  });
});
