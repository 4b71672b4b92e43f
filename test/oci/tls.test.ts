import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { cleanup, runSnippet, tempDir, writeTree } from './support.js';
import { runPaks } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// NODE_EXTRA_CA_CERTS is read once at start-up, so each case is its own process.
const script = `
const oci = await import(${JSON.stringify(join(root, 'src/oci/index.ts'))});
const client = oci.createRegistryClient({ credentials: oci.staticCredentials(oci.ANONYMOUS), plainHttp: false, retry: { attempts: 1 } });
try {
  const pushed = await oci.pushArtifact({ client, directory: process.argv[1], reference: oci.parseReference(process.argv[2]) });
  process.stdout.write(pushed.digest);
} catch (error) {
  process.stderr.write(error.message + '\\n' + (error.hint ?? ''));
  process.exitCode = 1;
} finally {
  await client.close();
}`;

const push = (env: Record<string, string>, dir: string, ref: string) => runSnippet(script, [dir, ref], env);

let registry: TestRegistry;
let dir: string;
before(async () => {
  registry = await startRegistry({ kind: 'none' }, { tls: true });
  dir = tempDir();
  writeTree(dir, { 'build_cache/index.json': '{}' });
});
after(async () => {
  await registry.stop();
  cleanup(dir);
});

describe('HTTPS with a private CA', () => {
  it('trusts a registry whose CA is in NODE_EXTRA_CA_CERTS', async () => {
    const result = await push({ NODE_EXTRA_CA_CERTS: registry.certPath! }, dir, `${registry.host}/paks/tls:1`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^sha256:[0-9a-f]{64}$/);
  });

  it('refuses an untrusted certificate and says how to trust it', async () => {
    const result = await push({}, dir, `${registry.host}/paks/tls:2`);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /TLS certificate of 127\.0\.0\.1:\d+ is not trusted/);
    assert.match(result.stderr, /NODE_EXTRA_CA_CERTS/);
  });
});

describe('loopback registries: HTTPS first, like Docker', () => {
  const probe = `
const oci = await import(${JSON.stringify(join(root, 'src/oci/index.ts'))});
const client = oci.createRegistryClient({ credentials: oci.staticCredentials(oci.ANONYMOUS), retry: { attempts: 1 } });
try {
  const pushed = await oci.pushArtifact({ client, directory: process.argv[1], reference: oci.parseReference(process.argv[2]) });
  process.stdout.write(pushed.digest);
} catch (error) {
  process.stderr.write(error.message + '\\n' + (error.hint ?? ''));
  process.exitCode = 1;
} finally {
  await client.close();
}`;

  it('speaks HTTPS to a TLS registry on 127.0.0.1 without being told', async () => {
    const result = await runSnippet(probe, [dir, `${registry.host}/paks/tls:probe`], { NODE_EXTRA_CA_CERTS: registry.certPath! });
    assert.equal(result.code, 0, result.stderr);
  });

  it('does not fall back to plain HTTP when the certificate is untrusted', async () => {
    const result = await runSnippet(probe, [dir, `${registry.host}/paks/tls:probe2`], {});
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is not trusted/);
    assert.match(result.stderr, /registry_ca_file/);
  });

  it('falls back to plain HTTP when the loopback registry does not speak TLS', async () => {
    const plain = await startRegistry();
    try {
      const result = await runSnippet(probe, [dir, `${plain.host}/paks/plain:1`], {});
      assert.equal(result.code, 0, result.stderr);
    } finally {
      await plain.stop();
    }
  });
});

describe('paks push to a TLS registry on loopback (the CLI, as a user runs it)', () => {
  it('trusts the registry_ca_file setting, and refuses an unreadable one in one sentence', async () => {
    const home = tempDir();
    try {
      const ok = await runPaks(['push', dir, `${registry.host}/paks/cli:1`], { home, env: { PAKS_REGISTRY_CA_FILE: registry.certPath! } });
      assert.equal(ok.exitCode, 0, ok.stderr);
      assert.match(ok.stdout, /Digest: sha256:/);
      const bad = await runPaks(['push', dir, `${registry.host}/paks/cli:2`], { home, env: { PAKS_REGISTRY_CA_FILE: join(home, 'missing.pem') } });
      assert.equal(bad.exitCode, 2);
      assert.match(bad.stderr, /^Error: registry_ca_file .*missing\.pem cannot be used/m);
    } finally {
      cleanup(home);
    }
  });
});
