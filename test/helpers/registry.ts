/**
 * Starts Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with a free port, a
 * temporary storage directory and a generated config: no auth, htpasswd Basic auth, or
 * token auth against the test token issuer. Tests never leave loopback.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenIssuer, type TokenIssuer, type TokenIssuerOptions } from './token-issuer.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'htpasswd'; users: Record<string, string> }
  | ({ kind: 'token' } & Omit<TokenIssuerOptions, 'service' | 'issuer'>);

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:40123 */
  host: string;
  url: string;
  storage: string;
  /** With `tls`: the self-signed certificate (PEM) clients must trust. */
  certPath?: string;
  tokenIssuer?: TokenIssuer;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export async function startRegistry(auth: RegistryAuth = { kind: 'none' }, options: { tls?: boolean } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'paks-registry-'));
  const storage = join(dir, 'storage');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let tokenIssuer: TokenIssuer | undefined;
  let authYaml = '';
  if (auth.kind === 'htpasswd') {
    const lines = Object.entries(auth.users).map(([user, password]) =>
      execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }).trim(),
    );
    writeFileSync(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: paks-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth.kind === 'token') {
    const { kind: _kind, ...issuerOptions } = auth;
    tokenIssuer = await startTokenIssuer({ ...issuerOptions, service: 'paks-test-registry', issuer: 'paks-test-issuer' });
    authYaml = `auth:\n  token:\n    realm: ${tokenIssuer.realm}\n    service: paks-test-registry\n    issuer: paks-test-issuer\n    rootcertbundle: ${tokenIssuer.certPath}\n`;
  }
  let tlsYaml = '';
  let certPath: string | undefined;
  if (options.tls) {
    certPath = join(dir, 'registry.crt');
    const keyPath = join(dir, 'registry.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    tlsYaml = `  tls:\n    certificate: ${certPath}\n    key: ${keyPath}\n`;
  }
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${host}
  secret: ${randomBytes(16).toString('hex')}
  headers:
    X-Content-Type-Options: [nosniff]
${tlsYaml}${authYaml}`;
  writeFileSync(join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await tokenIssuer?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    }
    if (await answers(`${options.tls ? 'https' : 'http'}://${host}/v2/`)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${host} within 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host, url: `${options.tls ? 'https' : 'http'}://${host}`, storage, ...(certPath ? { certPath } : {}), ...(tokenIssuer ? { tokenIssuer } : {}), stop };
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const send = url.startsWith('https:') ? httpsRequest : request;
    // Only probing that it is up: the certificate is checked by the tests themselves.
    const req = send(url, { method: 'GET', timeout: 1000, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || res.statusCode === 401);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** What tests accept for a manifest: an OCI image manifest or index. */
export const MANIFEST_ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

/** GET `/v2/<path>` from a test registry (plain HTTP); anything but 200 fails the test. */
export async function registryGet(registry: TestRegistry, path: string): Promise<Buffer> {
  const response = await fetch(`${registry.url}/v2/${path}`, { headers: { accept: MANIFEST_ACCEPT } });
  if (response.status !== 200) throw new Error(`GET ${path}: the registry answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
