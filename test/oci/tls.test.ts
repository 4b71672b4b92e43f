import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { cleanup, runSnippet, tempDir, writeTree } from './support.js';

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
