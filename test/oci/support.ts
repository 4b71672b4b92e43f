/** Shared bits for the OCI tests: a fast retry policy, a client factory, temp trees. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { staticCredentials, ANONYMOUS, type Credential } from '../../src/oci/auth/credentials.js';
import { createRegistryClient, type RegistryClientOptions } from '../../src/oci/client.js';
import type { RetryPolicy } from '../../src/oci/transport/retry.js';

/** Runs an ES module snippet under tsx in its own process (args after it), with only PATH and `env`. */
export function runSnippet(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
      cwd: new URL('../..', import.meta.url),
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Retries without real waiting; `sleeps` records what would have been waited. */
export function fastRetry(overrides: Partial<RetryPolicy> = {}): Partial<RetryPolicy> & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { attempts: 4, baseDelayMs: 10, maxDelayMs: 50, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, ...overrides, sleeps };
}

export function testClient(credential: Credential = ANONYMOUS, options: Partial<RegistryClientOptions> = {}) {
  // Tests that record requests talk plain HTTP outright, so the loopback TLS probe is not in their logs.
  return createRegistryClient({ credentials: staticCredentials(credential), retry: fastRetry(), ...(options.send ? { plainHttp: true } : {}), ...options });
}

export function tempDir(prefix = 'paks-oci-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** Every entry under root (files and directories, hidden ones too), as sorted relative paths. */
export function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      out.push(relative(root, path));
      if (statSync(path).isDirectory()) walk(path);
    }
  };
  walk(root);
  return out.sort();
}

export function cleanup(...paths: string[]): void {
  for (const path of paths) rmSync(path, { recursive: true, force: true });
}

/** A small Spack-like build cache tree. */
export function buildCacheFiles(): Record<string, string | Buffer> {
  return {
    'build_cache/index.json': '{"database":{"version":"7","installs":{}}}',
    'build_cache/index.json.hash': 'abc123\n',
    'build_cache/_pgp/07FBB82C9AB40B37396FFDFA24B7E59CCC304FFD.pub': '-----BEGIN PGP PUBLIC KEY BLOCK-----\n...\n',
    'build_cache/linux-debian12-icelake-gcc-12.2.0-zlib-1.3.1-abcdefg.spec.json.sig': '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n{}\n',
    'build_cache/linux-debian12-icelake/gcc-12.2.0/zlib-1.3.1/linux-debian12-icelake-gcc-12.2.0-zlib-1.3.1-abcdefg.spack': Buffer.alloc(300_000, 7),
    'sbom/zlib.cdx.json': '{"bomFormat":"CycloneDX"}',
  };
}

import { createHttpTransport, type HttpRequest, type HttpSend } from '../../src/oci/transport/http.js';

/** A real transport that records every request (method and path) it sends. */
export function recordingTransport(): { send: HttpSend; log: string[]; close(): void; headers: Record<string, string>[] } {
  const transport = createHttpTransport();
  const log: string[] = [];
  const headers: Record<string, string>[] = [];
  return {
    log,
    headers,
    send: (request: HttpRequest) => {
      log.push(`${request.method} ${request.url.pathname}`);
      headers.push({ ...request.headers });
      return transport.send(request);
    },
    close: () => transport.close(),
  };
}
