/**
 * The catalogue end to end: real builds pushed to a real registry, `paks api build` and
 * `paks serve` as a user runs them, every document checked against its schema, and the pages
 * driven in Debian's chromium.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { PAKS_BIN, runPaks, withNodeFirst } from '../helpers/cli.js';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { World, type Machine } from '../e2e/world.js';
import { testSpack } from '../helpers/spack.js';
import { schemaErrors } from './documents.js';

const CHROMIUM = '/usr/bin/chromium';

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

/** `paks serve` as a long-running subprocess; resolves once it says where it listens. */
async function serve(machine: Machine, args: string[]): Promise<Served> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('PAKS_') && key !== 'SPACK_ROOT') env[key] = value;
  Object.assign(env, machine.env, { HOME: machine.home, CI: 'true', NO_COLOR: '1' });
  env.PATH = withNodeFirst(env.PATH);
  const child = spawn(PAKS_BIN, ['serve', ...args], { cwd: machine.home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`paks serve did not start: ${stderr}`)), 60_000);
    const check = () => {
      const found = /^Serving (http:\/\/\S+\/) /m.exec(stdout);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      check();
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    void exited.then((code) => reject(new Error(`paks serve exited (${code}): ${stderr}`)));
  });
  return { child, url, stderr: () => stderr, stdout: () => stdout, exited };
}

describe('paks api build and paks serve on real builds in a real registry', () => {
  let world: World;
  let registry: TestRegistry;
  let builder: Machine;
  let fingerprint: string;
  let repo: string;
  let reg: string;
  let site: string;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    builder = await world.machine('builder');
    repo = join(world.dir, 'builder', 'spack', 'paksdemo-repo');
    reg = `${registry.host}/paks`;
    const created = await builder.paks(['key', 'create']);
    assert.equal(created.exitCode, 0, created.stderr);
    fingerprint = created.stdout.trim();
    const signed = await builder.paks(['build', 'greet-paks', '--push', `${reg}/greet-paks`]);
    assert.equal(signed.exitCode, 0, signed.stderr);
    const unsigned = await builder.paks(['build', 'hello-paks@1.0.0', '--unsigned', '--push', `${reg}/hello-paks`]);
    assert.equal(unsigned.exitCode, 0, unsigned.stderr);
    site = join(world.dir, 'site');
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  test('paks api build writes every document, each valid against its published schema', async () => {
    const built = await builder.paks(['api', 'build', site, '--repo', repo, '--registry', reg, '--base-url', 'https://org.example/packages']);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.match(built.stdout, /^Wrote 2 packages \(2 binaries, \d+ files\) to /);
    const files = (await jsonFiles(join(site, 'api'))).map((f) => relative(site, f));
    assert.deepEqual(files, [
      'api/v1/packages.json',
      'api/v1/packages/greet-paks.json',
      'api/v1/packages/greet-paks/1.0.0.json',
      'api/v1/packages/hello-paks.json',
      'api/v1/packages/hello-paks/1.0.0.json',
      'api/v1/packages/hello-paks/1.1.0.json',
      'api/v1/schema/package.json',
      'api/v1/schema/packages.json',
      'api/v1/schema/version.json',
    ]);
    const read = async (path: string) => JSON.parse(await readFile(join(site, path), 'utf8'));
    for (const file of files) {
      const kind = file === 'api/v1/packages.json' ? 'packages' : file.startsWith('api/v1/schema/') ? undefined : /packages\/[^/]+\.json$/.test(file) ? 'package' : 'version';
      if (kind) assert.equal(schemaErrors(kind, await read(file)), '', file);
    }
    // The published schemas are the ones the tests validate with.
    assert.equal((await read('api/v1/schema/packages.json')).$schema, 'https://json-schema.org/draft/2020-12/schema');

    const greet = await read('api/v1/packages/greet-paks.json');
    assert.equal(greet.description, 'Tiny greeter (bin/greet-paks) that links libhellopaks from hello-paks.');
    assert.deepEqual(greet.dependencies.link, ['hello-paks']);
    assert.equal(greet.url, 'https://org.example/packages/api/v1/packages/greet-paks.json');
    assert.equal(greet.install.binary, `paks install greet-paks --registry ${reg}`);
    const [binary] = greet.versions[0].binaries;
    assert.equal(binary.signed, true);
    assert.deepEqual(binary.signer, { key_id: fingerprint.slice(-16), fingerprint, verified: true });
    assert.equal(binary.platform, 'linux/amd64');
    assert.equal(binary.target, testSpack.target);
    assert.equal(binary.tag, `1.0.0-${testSpack.hashes['greet-paks'].slice(0, 7)}`);
    // The SBOMs are published with the site (a registry's blob URLs need a token) and match their registry blobs.
    for (const kind of ['cyclonedx', 'spdx'] as const) {
      const { url, registry_url: registryUrl, digest } = binary.sbom[kind];
      assert.match(url, new RegExp(`^https://org\\.example/packages/sbom/${digest.slice(7)}\\.(cdx|spdx)\\.json$`));
      const copy = await readFile(join(site, new URL(url).pathname.replace('/packages/', '')));
      assert.equal(`sha256:${createHash('sha256').update(copy).digest('hex')}`, digest);
      const bytes = Buffer.from(await (await fetch(registryUrl)).arrayBuffer());
      assert.deepEqual(bytes, copy);
      assert.ok(JSON.parse(bytes.toString('utf8')), kind);
    }

    const hello = await read('api/v1/packages/hello-paks.json');
    const v100 = hello.versions.find((v: { version: string }) => v.version === '1.0.0');
    assert.equal(v100.binaries[0].signed, false);
    assert.equal(v100.binaries[0].signer, null);
    const v110 = await read('api/v1/packages/hello-paks/1.1.0.json');
    assert.deepEqual(v110.binaries, []);
    assert.equal(v110.install, null);
    const list = await read('api/v1/packages.json');
    assert.deepEqual(list.packages.map((p: { name: string; signed: boolean }) => [p.name, p.signed]), [['greet-paks', true], ['hello-paks', false]]);

    const index = await readFile(join(site, 'index.html'), 'utf8');
    assert.doesNotMatch(index, /<script>|<style|style=|https?:\/\/(?!example\.com)/, 'no inline code and nothing from elsewhere');
  });

  test('a second build replaces what the first wrote and keeps the rest; a folder that is not a build is refused', async () => {
    const marker = join(site, 'CNAME');
    await writeFile(marker, 'packages.example.org\n');
    // In a community repository (paks.yaml), from any folder inside it: no --repo, no --registry.
    await writeFile(join(repo, 'paks.yaml'), `registry: ${reg}\n`);
    const again = await runPaks(['api', 'build', site], { home: builder.home, env: builder.env, cwd: join(repo, 'packages'), timeoutMs: 120_000 });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(await readFile(marker, 'utf8'), 'packages.example.org\n', 'a file the build did not write stays');
    assert.equal(JSON.parse(await readFile(join(site, 'api', 'v1', 'packages.json'), 'utf8')).registry, reg);
    // The second build read the manifests' facts from cache_dir: the same signer, the same SBOM copies.
    assert.ok(existsSync(join(builder.home, '.paks', 'cache', 'api', 'manifests.json')));
    const greet = JSON.parse(await readFile(join(site, 'api', 'v1', 'packages', 'greet-paks.json'), 'utf8'));
    assert.equal(greet.versions[0].binaries[0].signer.fingerprint, fingerprint);
    assert.ok(existsSync(join(site, greet.versions[0].binaries[0].sbom.spdx.url)));
    const foreign = join(world.dir, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'keep.txt'), 'mine');
    const refused = await builder.paks(['api', 'build', foreign, '--repo', repo, '--registry', reg]);
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr, /^Error: .*foreign is not empty and is not an earlier output of paks api build \(it has no \.paks-site\.json\); Paks will not replace it\.\n/);
    assert.equal(await readFile(join(foreign, 'keep.txt'), 'utf8'), 'mine');
  });

  test('an unreachable registry fails the build with one sentence and writes nothing', async () => {
    const out = join(world.dir, 'not-written');
    const port = await freePort();
    const failed = await builder.paks(['api', 'build', out, '--repo', repo, '--registry', `127.0.0.1:${port}/paks`], { PAKS_REGISTRY_CONCURRENCY: '2' });
    assert.equal(failed.exitCode, 1, failed.stderr);
    const errors = failed.stderr.split('\n').filter((line) => line.startsWith('Error:'));
    assert.equal(errors.length, 1, failed.stderr);
    assert.match(errors[0]!, new RegExp(`^Error: Could not read the binaries in 127\\.0\\.0\\.1:${port}/paks \\(.+ refused .+\\)\\.$`));
    assert.doesNotMatch(failed.stderr, /at .*\.js:\d+/);
    assert.equal(existsSync(out), false);
    assert.deepEqual((await readdir(world.dir)).filter((n) => n.startsWith('.not-written')), []);
  });

  test('paks serve --workers 2: every worker answers with the same bytes and ETag; SIGTERM ends them all', async (t) => {
    const served = await serve(builder, ['--repo', repo, '--registry', reg, '--port', '0', '--workers', '2']);
    t.after(async () => {
      if (served.child.exitCode === null) served.child.kill('SIGKILL');
    });
    const workers = spawnSync('pgrep', ['-P', String(served.child.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    assert.equal(workers.length, 2, `worker processes of ${served.child.pid}: ${workers.join(' ')}`);
    // A fresh connection per request: the primary hands connections to the workers in turn.
    const ask = (headers: Record<string, string> = {}) =>
      new Promise<{ status: number; etag: string; body: string }>((resolve, reject) => {
        const req = httpGet(`${served.url}api/v1/packages/greet-paks.json`, { agent: false, headers }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag), body }));
        });
        req.on('error', reject);
      });
    const answers = await Promise.all(Array.from({ length: 12 }, () => ask()));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
    assert.equal(new Set(answers.map((a) => a.etag)).size, 1, answers.map((a) => a.etag).join(' '));
    assert.equal(new Set(answers.map((a) => a.body)).size, 1);
    const notModified = await Promise.all(Array.from({ length: 4 }, () => ask({ 'if-none-match': answers[0]!.etag })));
    assert.deepEqual(new Set(notModified.map((a) => a.status)), new Set([304]));
    // Each worker writes the access log; the primary alone says where it listens.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(served.stdout().match(/"GET \/api\/v1\/packages\/greet-paks\.json" 200 \d+ /g)?.length, 12, served.stdout());
    assert.equal(served.stdout().match(/"GET \/api\/v1\/packages\/greet-paks\.json" 304 0 /g)?.length, 4, served.stdout());
    assert.equal(served.stdout().match(/^Serving /gm)?.length, 1, served.stdout());

    served.child.kill('SIGTERM');
    assert.equal(await served.exited, 0, served.stderr());
    assert.equal(served.stderr().match(/SIGTERM: stopping\./g)?.length, 1, served.stderr());
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} still runs`);
  });

  test('paks serve: the catalogue in chromium, search as you type, a package page, its install command', async (t) => {
    const served = await serve(builder, ['--repo', repo, '--registry', reg, '--port', '0', '--ttl', '1']);
    t.after(async () => {
      if (served.child.exitCode === null) served.child.kill('SIGKILL');
    });
    const userData = join(world.dir, 'chromium-profile');
    const context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 390, height: 844 },
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(served.url);
      assert.equal(await page.locator('#search-count').textContent(), '2 packages');
      await page.getByLabel('Search packages').pressSequentially('greet', { delay: 20 });
      await page.waitForFunction("document.getElementById('search-count').textContent === '1 of 2 packages'");
      assert.equal(await page.locator('#packages > li:visible').count(), 1);
      await page.getByRole('link', { name: 'greet-paks' }).click();
      await page.waitForURL(/packages\/greet-paks\.html$/);
      assert.equal(await page.locator('#install').textContent(), `paks install greet-paks --registry ${reg}`);
      assert.match((await page.locator('main').textContent()) ?? '', new RegExp(`Signed ${fingerprint.replace(/(.{4})(?=.)/g, '$1 ')}`));
      await page.getByRole('button', { name: 'Copy the install command', exact: true }).click();
      await page.waitForFunction("document.querySelector('button.copy').textContent !== 'Copy'");
      const screenshot = join(world.dir, 'catalogue-greet-paks.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      assert.ok((await stat(screenshot)).size > 10_000);
      assert.deepEqual(problems, [], 'no script or CSP errors');
    } finally {
      await context.close();
    }

    // The registry goes away: the server keeps serving what it has and says so once.
    const before = (await (await fetch(`${served.url}api/v1/packages/greet-paks.json`)).json()) as { versions: unknown };
    await registry.stop();
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const still = await fetch(`${served.url}api/v1/packages/greet-paks.json`);
    assert.equal(still.status, 200);
    assert.deepEqual(((await still.json()) as { versions: unknown }).versions, before.versions);
    const warnings = served.stderr().split('\n').filter((line) => line.includes('Could not refresh the catalogue'));
    assert.equal(warnings.length, 1, served.stderr());
    assert.match(served.stdout(), /"GET \/packages\/greet-paks\.html" 200 /);

    served.child.kill('SIGTERM');
    assert.equal(await served.exited, 0, served.stderr());
    assert.match(served.stderr(), /SIGTERM: stopping\./);
  });
});
