/**
 * The catalogue a new user installs from: `paks api build` publishes the publisher key beside
 * the API, each package page gives the trust step and the install in one command, links the
 * recipe and the release, names platforms and licences as people read them; and that
 * command, copied from the page and run by a user who trusts nothing yet, installs.
 */
import { genericTarget } from '../../src/buildcache/target-compatibility.js';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { World, type Machine } from '../e2e/world.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { testSpack } from '../helpers/spack.js';

// The stand-in builds for the recorded host's CPU (PAKS_BUILD_TARGET=host) against its glibc 2.36: the label names the family that CPU belongs to.
const LABEL = `Linux x86_64 (${genericTarget(testSpack.target)}+, glibc ≥ 2.36)`;
import { schemaErrors } from './documents.js';

const unescape = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The text of the element with this id, as the page's Copy button copies it. */
function copied(html: string, id: string): string {
  const found = new RegExp(`<code id="${id}">([^<]*)</code>`).exec(html);
  assert.ok(found, `the page has no <code id="${id}">`);
  return unescape(found[1]!);
}

describe('a new user installs from the catalogue in one copy-paste', () => {
  let world: World;
  let registry: TestRegistry;
  let publisher: Machine;
  let fingerprint: string;
  let reg: string;
  let site: string;
  let server: Server;
  let baseUrl: string;
  let certPath: string;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    publisher = await world.machine('publisher');
    reg = `${registry.host}/paks`;
    const created = await publisher.paks(['key', 'create']);
    assert.equal(created.exitCode, 0, created.stderr);
    fingerprint = created.stdout.trim();
    const built = await publisher.paks(['build', 'greet-paks', '--push', `${reg}/greet-paks`]);
    assert.equal(built.exitCode, 0, built.stderr);
    // The package repository as paks repo setup leaves it: paks.yaml and the committed public key.
    const repo = join(world.dir, 'publisher', 'spack', 'paksdemo-repo');
    await writeFile(join(repo, 'paks.yaml'), `registry: ${reg}\nrelease:\n  tag: "{package}-v{version}"\n`);
    const exported = await publisher.paks(['key', 'export']);
    assert.equal(exported.exitCode, 0, exported.stderr);
    await mkdir(join(repo, 'keys'), { recursive: true });
    await writeFile(join(repo, 'keys', 'publisher.asc'), exported.stdout);
    // A recipe made by spack create says license("UNKNOWN"): that is no licence.
    const recipe = join(repo, 'packages', 'hello-paks', 'package.py');
    await writeFile(recipe, (await readFile(recipe, 'utf8')).replace('license("MIT")', 'license("UNKNOWN", checked_by="github_user1")'));

    site = join(world.dir, 'site');
    // The catalogue is served over HTTPS, as GitHub Pages serves it (paks key trust reads only https:// URLs).
    const keyPath = join(world.dir, 'site-key.pem');
    certPath = join(world.dir, 'site-cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    server = createServer({ key: await readFile(keyPath), cert: await readFile(certPath) }, (req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
      readFile(join(site, ...path.split('/').filter((p) => p && p !== '..'))).then(
        (body) => res.writeHead(200).end(body),
        () => res.writeHead(404).end('not found'),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const api = await publisher.paks(['api', 'build', site, '--repo', repo, '--base-url', baseUrl], { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'octo/packages' });
    assert.equal(api.exitCode, 0, api.stderr);
  });
  after(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await registry?.stop();
    await world?.dispose();
  });

  test('the site publishes the publisher key, and the API names its fingerprint', async () => {
    const key = await readFile(join(site, 'keys', 'publisher.asc'), 'utf8');
    assert.match(key, /-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const packages = JSON.parse(await readFile(join(site, 'api/v1/packages.json'), 'utf8'));
    assert.deepEqual(packages.publisher_key, { url: `${baseUrl}keys/publisher.asc`, fingerprint });
    assert.equal(schemaErrors('packages', packages), '');
    const greet = JSON.parse(await readFile(join(site, 'api/v1/packages/greet-paks.json'), 'utf8'));
    assert.equal(schemaErrors('package', greet), '');
    assert.equal(greet.install.first_time, `paks key trust ${baseUrl}keys/publisher.asc --fingerprint ${fingerprint} && paks install greet-paks --registry ${reg}`);
    assert.equal(greet.recipe_url, 'https://github.com/octo/packages/blob/HEAD/packages/greet-paks/package.py');
    assert.equal(greet.versions[0].release_url, 'https://github.com/octo/packages/releases/tag/greet-paks-v1.0.0');
    assert.equal(greet.versions[0].binaries[0].platform_label, LABEL);
    assert.deepEqual(packages.packages.find((p: { name: string }) => p.name === 'greet-paks').platform_labels, [LABEL]);
  });

  test('the package page shows trust and install together, the links, the platform and the licence as people read them', async () => {
    const html = await readFile(join(site, 'packages', 'greet-paks.html'), 'utf8');
    assert.equal(copied(html, 'install'), `paks key trust ${baseUrl}keys/publisher.asc --fingerprint ${fingerprint} && paks install greet-paks --registry ${reg}`);
    assert.equal(copied(html, 'install-again'), `paks install greet-paks --registry ${reg}`);
    assert.match(html, /<a href="https:\/\/github\.com\/octo\/packages\/blob\/HEAD\/packages\/greet-paks\/package\.py" rel="noopener">greet-paks\/package\.py<\/a>/);
    assert.match(html, /<a href="https:\/\/github\.com\/octo\/packages\/releases\/tag\/greet-paks-v1\.0\.0" rel="noopener">GitHub release of greet-paks 1\.0\.0<\/a>/);
    assert.match(html, /<a href="https:\/\/127\.0\.0\.1:\d+\/keys\/publisher\.asc" rel="noopener">publisher\.asc<\/a>/);
    assert.ok(html.includes(`<td data-label="Platform">${LABEL} <span class="meta">linux/amd64`), html);
    assert.match(html, /<dt>Licences<\/dt><dd>MIT<\/dd>/);
    const hello = await readFile(join(site, 'packages', 'hello-paks.html'), 'utf8');
    assert.match(hello, /<dt>Licences<\/dt><dd>not stated<\/dd>/);
    assert.doesNotMatch(hello, /UNKNOWN/);
  });

  test("the page's command, run by a user who trusts no key yet, installs", async () => {
    const html = await readFile(join(site, 'packages', 'greet-paks.html'), 'utf8');
    const line = copied(html, 'install');
    const user = await world.machine('new-user');
    // Exactly the copied line: two commands joined by && (run here without a shell, word by word).
    const commands = line.split(' && ').map((part) => part.split(' '));
    assert.equal(commands.length, 2, line);
    let installed;
    for (const [program, ...args] of commands) {
      assert.equal(program, 'paks');
      installed = await user.paks(args, { NODE_EXTRA_CA_CERTS: certPath });
      assert.equal(installed.exitCode, 0, `${args.join(' ')}: ${installed.stderr}${installed.stdout}`);
    }
    assert.match(commands[0]!.join(' '), new RegExp(`^paks key trust \\S+ --fingerprint ${fingerprint}$`));
    assert.match(installed!.stdout + installed!.stderr, /greet-paks/);
  });
});
