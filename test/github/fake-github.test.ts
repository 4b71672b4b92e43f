import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkResponse, findOperation, operations, SchemaViolation } from '../helpers/github/openapi.js';
import { startFakeGitHub, useFakeGitHub, type FakeGitHub } from '../helpers/github/server.js';
import { temporaryDirectory } from '../helpers/cli.js';

const repos = [{ owner: 'octo', name: 'pkgs' }];

function call(fake: FakeGitHub, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(`${fake.apiUrl}${path}`, {
    method,
    headers: { authorization: `token ${fake.token}`, accept: 'application/vnd.github+json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('the fake GitHub checks requests against the OpenAPI description', () => {
  it('refuses a body field GitHub does not document, naming the operation and the field', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const response = await call(fake, 'POST', '/repos/octo/pkgs/releases', { tag_name: 'v1', assets: ['x'] });
    assert.equal(response.status, 422);
    const [violation, ...more] = fake.takeViolations();
    assert.equal(more.length, 0);
    assert.ok(violation instanceof SchemaViolation);
    assert.equal(violation.operation, 'repos/create-release');
    assert.match(violation.message, /request body of repos\/create-release: body must NOT have additional properties \(assets\)/);
    assert.equal(fake.repo('octo/pkgs').releases.length, 0);
  });

  it('refuses a missing required field, a wrong type, an unknown query parameter and a bad path parameter', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    await call(fake, 'POST', '/repos/octo/pkgs/releases', { name: 'no tag' });
    await call(fake, 'POST', '/repos/octo/pkgs/releases', { tag_name: 'v1', draft: 'yes' });
    await call(fake, 'GET', '/repos/octo/pkgs/tags?per_page=10&sort=name');
    await call(fake, 'GET', '/repos/octo/pkgs/releases/latest-ish');
    await call(fake, 'PATCH', '/repos/octo/pkgs/pulls/1', { state: 'merged' });
    const messages = fake.takeViolations().map((v) => v.message);
    assert.equal(messages.length, 5, messages.join('\n'));
    assert.match(messages[0]!, /repos\/create-release: body must have required property 'tag_name'/);
    assert.match(messages[1]!, /repos\/create-release: body\/draft must be boolean/);
    assert.match(messages[2]!, /request query of repos\/list-tags: query must NOT have additional properties \(sort\)/);
    assert.match(messages[3]!, /request path of repos\/get-release: path\/release_id must be integer/);
    assert.match(messages[4]!, /pulls\/update: body\/state must be equal to one of the allowed values/);
  });

  it('accepts an asset upload with the asset’s own media type but not without one', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const created = (await (await call(fake, 'POST', '/repos/octo/pkgs/releases', { tag_name: 'v1' })).json()) as { upload_url: string };
    const uploadUrl = created.upload_url.replace(/\{.*\}$/, '');
    const ok = await fetch(`${uploadUrl}?name=key.asc`, { method: 'POST', headers: { authorization: `token ${fake.token}`, 'content-type': 'application/pgp-keys' }, body: 'key' });
    assert.equal(ok.status, 201);
    const noName = await fetch(uploadUrl, { method: 'POST', headers: { authorization: `token ${fake.token}`, 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(noName.status, 422);
    assert.match(fake.takeViolations()[0]!.message, /request query of repos\/upload-release-asset: query must have required property 'name'/);
  });

  it('a response that breaks the description becomes a 500 and fails the test at stop()', async () => {
    const fake = await startFakeGitHub({ repos });
    try {
      await call(fake, 'POST', '/repos/octo/pkgs/releases', { tag_name: 'v1' });
      // Corrupt the state so the fake's own answer is wrong.
      (fake.repo('octo/pkgs').releases[0] as { name: unknown }).name = 42;
      const response = await call(fake, 'GET', '/repos/octo/pkgs/releases/tags/v1');
      assert.equal(response.status, 500);
      assert.match(((await response.json()) as { message: string }).message, /200 response of repos\/get-release-by-tag: body\/name must be string/);
    } finally {
      await assert.rejects(fake.stop(), /The fake GitHub saw 1 OpenAPI violation\(s\):\nGitHub OpenAPI violation in the 200 response of repos\/get-release-by-tag: body\/name must be string/);
    }
  });

  it('checks responses strictly: undocumented fields, missing fields, undocumented statuses', () => {
    const getRelease = findOperation('GET', '/repos/o/r/releases/1', false)!.operation;
    assert.throws(() => checkResponse(getRelease, 200, { id: 1 }), /200 response of repos\/get-release: body must have required property/);
    const listTags = findOperation('GET', '/repos/o/r/tags', false)!.operation;
    const tag = { name: 'v1', node_id: 'x', commit: { sha: 'a', url: 'https://x.invalid/c' }, zipball_url: 'https://x.invalid/z', tarball_url: 'https://x.invalid/t' };
    checkResponse(listTags, 200, [tag]);
    assert.throws(() => checkResponse(listTags, 200, [{ ...tag, protected: true }]), /body\/0 must NOT have additional properties \(protected\)/);
    assert.throws(() => checkResponse(listTags, 200, [{ ...tag, commit: { sha: 'a', url: 'not a uri' } }]), /body\/0\/commit\/url must match format "uri"/);
    assert.throws(() => checkResponse(listTags, 201, []), /status 201 is not documented/);
    // An error status an operation does not list must still be GitHub's basic-error shape.
    checkResponse(listTags, 403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' });
    assert.throws(() => checkResponse(listTags, 403, { message: 5 }), /403 response of repos\/list-tags: body\/message must be string/);
  });

  it('answers every operation in the subset, and the subset names its source', () => {
    const subset = JSON.parse(readFileSync(new URL('../fixtures/github/openapi-subset.json', import.meta.url), 'utf8')) as { info: Record<string, string> };
    assert.match(subset.info['x-extracted-from']!, /^@octokit\/openapi@\d+\.\d+\.\d+ generated\/api\.github\.com\.json$/);
    const readme = readFileSync(new URL('../fixtures/github/README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes(subset.info['x-extracted-from']!.split(' ')[0]!), 'README names the package version the subset came from');
    const server = readFileSync(new URL('../helpers/github/server.ts', import.meta.url), 'utf8');
    for (const operation of operations()) {
      const answered = server.includes(`case '${operation.id}':`) || server.includes(`operation.id === '${operation.id}'`);
      assert.ok(answered, `the fake does not answer ${operation.id}`);
    }
  });
});

describe('the fake GitHub behaves like GitHub', () => {
  it('enforces tokens and permissions like GITHUB_TOKEN', async (t) => {
    const fake = await useFakeGitHub(t, { repos: [...repos, { owner: 'octo', name: 'secret', private: true }], permissions: { contents: 'read' } });
    assert.equal((await call(fake, 'GET', '/repos/octo/pkgs', undefined, { authorization: 'token nope' })).status, 401);
    assert.equal((await fetch(`${fake.apiUrl}/repos/octo/secret`)).status, 404);
    assert.equal((await fetch(`${fake.apiUrl}/repos/octo/pkgs`)).status, 200);
    assert.equal((await fetch(`${fake.apiUrl}/repos/octo/pkgs/releases`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tag_name":"v1"}' })).status, 401);
    assert.equal((await call(fake, 'POST', '/repos/octo/pkgs/releases', { tag_name: 'v1' })).status, 403);
    assert.equal((await call(fake, 'GET', '/repos/octo/pkgs/releases')).status, 200);
  });

  it('paginates with Link headers and counts the rate limit', async (t) => {
    const fake = await useFakeGitHub(t, { repos: [{ owner: 'octo', name: 'pkgs', tags: ['a', 'b', 'c'] }], rateLimit: 3 });
    const first = await call(fake, 'GET', '/repos/octo/pkgs/tags?per_page=2');
    assert.match(first.headers.get('link')!, /<http:\/\/127\.0\.0\.1:\d+\/repos\/octo\/pkgs\/tags\?per_page=2&page=2>; rel="next"/);
    assert.equal(first.headers.get('x-ratelimit-remaining'), '2');
    await call(fake, 'GET', '/repos/octo/pkgs/tags?per_page=2&page=2');
    await call(fake, 'GET', '/repos/octo/pkgs');
    const limited = await call(fake, 'GET', '/repos/octo/pkgs');
    assert.equal(limited.status, 403);
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    assert.match(((await limited.json()) as { message: string }).message, /API rate limit exceeded/);
  });

  it('with gitDir, branches and tags are those of a real bare repository', async (t) => {
    const dir = await temporaryDirectory(t, 'paks-fake-github-');
    const bare = join(dir, 'origin.git');
    const work = join(dir, 'work');
    const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { encoding: 'utf8' }).trim();
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    execFileSync('git', ['init', '-q', '-b', 'main', work]);
    git(work, 'commit', '-q', '--allow-empty', '-m', 'one');
    git(work, 'tag', 'v1.0');
    git(work, 'remote', 'add', 'origin', bare);
    git(work, 'push', '-q', 'origin', 'main', 'v1.0');
    const fake = await useFakeGitHub(t, { repos: [{ owner: 'octo', name: 'pkgs', gitDir: bare }] });

    const tags = (await (await call(fake, 'GET', '/repos/octo/pkgs/tags')).json()) as { name: string; commit: { sha: string } }[];
    assert.deepEqual(tags.map((x) => [x.name, x.commit.sha]), [['v1.0', git(work, 'rev-parse', 'HEAD')]]);
    const pull = { title: 'zlib: update to 1.3', head: 'paks/update-zlib-1.3', base: 'main' };
    assert.equal((await call(fake, 'POST', '/repos/octo/pkgs/pulls', pull)).status, 422, 'the branch is not pushed yet');
    git(work, 'checkout', '-q', '-b', 'paks/update-zlib-1.3');
    git(work, 'commit', '-q', '--allow-empty', '-m', 'zlib: add 1.3');
    git(work, 'push', '-q', 'origin', 'paks/update-zlib-1.3');
    const created = await call(fake, 'POST', '/repos/octo/pkgs/pulls', pull);
    assert.equal(created.status, 201);
    assert.equal(((await created.json()) as { head: { sha: string } }).head.sha, git(work, 'rev-parse', 'HEAD'));
    assert.equal((await call(fake, 'POST', '/repos/octo/pkgs/releases', { tag_name: 'zlib-v1.3', target_commitish: 'paks/update-zlib-1.3' })).status, 201);
    assert.equal(execFileSync('git', ['--git-dir', bare, 'rev-parse', 'zlib-v1.3'], { encoding: 'utf8' }).trim(), git(work, 'rev-parse', 'HEAD'));
  });
});
