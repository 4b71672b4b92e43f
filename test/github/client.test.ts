import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { PaksError } from '../../src/errors.js';
import { redact } from '../../src/redact.js';
import {
  acceptedPermissions,
  addLabels,
  closePullRequest,
  createGitHubClient,
  createPullRequest,
  ensureRelease,
  findReleaseByTag,
  getRateLimit,
  getRepository,
  listPullRequests,
  listReleases,
  listTags,
  uploadReleaseAsset,
} from '../../src/github/index.js';
import { useFakeGitHub, type FakeGitHub } from '../helpers/github/server.js';

const target = { owner: 'octo-org', repo: 'packages' };
const repos = [{ owner: 'octo-org', name: 'packages', branches: ['paks/update-zlib-1.3.1', 'paks/update-zlib-1.3.2'] }];

function client(fake: FakeGitHub, env: Record<string, string | undefined> = {}) {
  return createGitHubClient({ env: { ...fake.env, ...env }, retryDelayMs: 5 });
}

/** Awaits a rejection with a PaksError, checks it is one sentence without the token, returns it. */
async function failure(fake: FakeGitHub, promise: Promise<unknown>): Promise<PaksError> {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof PaksError, `not a PaksError: ${String(error)}`);
  const shown = `${error.message}\n${error.hint ?? ''}`;
  assert.ok(!shown.includes(fake.token), `the token leaked into: ${shown}`);
  assert.ok(!inspect(error, { depth: 6 }).includes(fake.token), 'the token leaked into the error object');
  assert.ok(!error.message.includes('\n'), `more than one line: ${error.message}`);
  return error;
}

describe('GitHub errors: one sentence each, never the token', () => {
  it('a missing token names the variable and the permission to grant', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    assert.throws(
      () => createGitHubClient({ env: { GITHUB_API_URL: fake.apiUrl }, require: { permission: 'contents: write', repository: target, purpose: 'publish a release' } }),
      (e: unknown) => e instanceof PaksError && e.kind === 'auth' && /GITHUB_TOKEN/.test(e.message) && /GH_TOKEN/.test(e.message) && /contents: write on octo-org\/packages/.test(e.message),
    );
    // GH_TOKEN is the fallback.
    const octokit = createGitHubClient({ env: { GITHUB_API_URL: fake.apiUrl, GH_TOKEN: fake.token }, require: { permission: 'contents: write' } });
    assert.equal((await getRepository(octokit, target)).defaultBranch, 'main');
  });

  it('401: a wrong token is refused with a sentence that says how to fix it', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const wrong = 'ghp_wrongwrongwrongwrongwrong1234';
    const error = await failure(fake, ensureRelease(client(fake, { GITHUB_TOKEN: wrong }), target, { tag: 'zlib-v1.3' }));
    assert.equal(error.kind, 'auth');
    assert.match(error.message, /refused the token \(401 Bad credentials\)/);
    assert.match(error.message, /valid, unexpired token/);
    assert.ok(!error.message.includes(wrong));
  });

  it('401 without a token on a write asks for a token with the permission', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const octokit = createGitHubClient({ env: { GITHUB_API_URL: fake.apiUrl } });
    const error = await failure(fake, createPullRequest(octokit, target, { title: 't', head: 'paks/update-zlib-1.3.1', base: 'main' }));
    assert.match(error.message, /anonymous request \(401 Requires authentication\).*GITHUB_TOKEN.*pull-requests: write/);
  });

  it('403 names the permission: contents: write for releases, pull-requests: write for pull requests', async (t) => {
    const fake = await useFakeGitHub(t, { repos, permissions: { contents: 'read', pull_requests: 'read', issues: 'read' } });
    const octokit = client(fake);
    const release = await failure(fake, ensureRelease(octokit, target, { tag: 'zlib-v1.3' }));
    assert.equal(release.kind, 'auth');
    assert.match(release.message, /^Could not create the release zlib-v1\.3 on octo-org\/packages: GitHub refused the token \(403 Resource not accessible by integration\); grant the token contents: write on octo-org\/packages \(in a workflow: `permissions: contents: write`\)\.$/);
    const pull = await failure(fake, createPullRequest(octokit, target, { title: 't', head: 'paks/update-zlib-1.3.1', base: 'main' }));
    assert.match(pull.message, /grant the token pull-requests: write/);
  });

  it('403 prefers the permission GitHub names in X-Accepted-GitHub-Permissions', async (t) => {
    assert.equal(acceptedPermissions('pull_requests=write; issues=write'), 'pull-requests: write');
    assert.equal(acceptedPermissions('contents=read'), 'contents: read');
    assert.equal(acceptedPermissions('nonsense'), undefined);
    const fake = await useFakeGitHub(t, { repos });
    fake.fail({ operation: 'repos/list-tags', status: 403, headers: { 'x-accepted-github-permissions': 'metadata=read' } });
    const error = await failure(fake, listTags(client(fake), target));
    assert.match(error.message, /grant the token metadata: read on octo-org\/packages/);
  });

  it('404 says which repository and how it was chosen', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const error = await failure(fake, getRepository(client(fake), { owner: 'octo-org', repo: 'nope' }));
    assert.equal(error.kind, 'not-found');
    assert.match(error.message, /404 Not Found; check that octo-org\/nope exists \(--github-repo, GITHUB_REPOSITORY or the origin remote\)/);
  });

  it('a used-up rate limit (403, x-ratelimit-remaining: 0) gives the reset time', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    fake.exhaustRateLimit(15 * 60);
    const error = await failure(fake, listReleases(client(fake), target));
    const reset = new Date(fake.rate.reset * 1000).toISOString().slice(11, 19);
    assert.match(error.message, new RegExp(`rate limit is used up until ${reset} UTC \\(in 15 minutes\\)`));
    // GET /rate_limit does not count against the limit and still answers.
    assert.equal((await getRateLimit(client(fake))).remaining, 0);
  });

  it('a 429 with x-ratelimit-remaining: 0 reads the same way', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const reset = Math.floor(Date.now() / 1000) + 120;
    fake.fail({ operation: 'repos/list-tags', status: 429, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } });
    const error = await failure(fake, listTags(client(fake), target));
    assert.match(error.message, /rate limit is used up until .* UTC \(in 2 minutes\)/);
  });

  it("GitHub's secondary rate limit (403 with retry-after) says how long to wait", async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    fake.fail({ operation: 'pulls/create', status: 403, message: 'You have exceeded a secondary rate limit.', headers: { 'retry-after': '60' } });
    const error = await failure(fake, createPullRequest(client(fake), target, { title: 't', head: 'paks/update-zlib-1.3.1', base: 'main' }));
    assert.match(error.message, /secondary rate limit asks to wait 60 seconds/);
  });

  it('a 5xx is retried once for reads; twice in a row is one sentence', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    fake.fail({ operation: 'repos/get', status: 502 });
    assert.equal((await getRepository(client(fake), target)).fullName, 'octo-org/packages');
    fake.fail({ operation: 'repos/get', status: 503, times: 2 });
    const error = await failure(fake, getRepository(client(fake), target));
    assert.match(error.message, /GitHub answered 503 \(Server Error\); try again later\.$/);
  });

  it('an API that does not answer is named', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const url = fake.apiUrl;
    await fake.stop();
    const error = await failure(fake, getRepository(createGitHubClient({ env: { GITHUB_API_URL: url, GITHUB_TOKEN: fake.token }, retryDelayMs: 1 }), target));
    assert.equal(error.kind, 'network');
    assert.match(error.message, /http:\/\/127\.0\.0\.1:\d+ did not answer/);
  });

  it('the token is registered for redaction as soon as a client is made', () => {
    const token = 'ghp_registeredRegisteredRegistered42';
    createGitHubClient({ env: { GH_TOKEN: token } });
    assert.equal(redact(`said ${token}`), 'said ***');
  });

  it('GITHUB_API_URL that is not a URL is a settings error', () => {
    assert.throws(() => createGitHubClient({ env: { GITHUB_API_URL: 'api.github.com' } }), /GITHUB_API_URL "api\.github\.com" is not a URL/);
  });
});

describe('releases', () => {
  it('ensureRelease creates once, then leaves or updates the same release', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const octokit = client(fake);
    const fields = { tag: 'zlib-v1.3', name: 'zlib 1.3', body: 'paks install zlib@1.3' };
    const first = await ensureRelease(octokit, target, fields);
    assert.equal(first.action, 'created');
    assert.equal((await ensureRelease(octokit, target, fields)).action, 'unchanged');
    const updated = await ensureRelease(octokit, target, { ...fields, body: 'new body' });
    assert.equal(updated.action, 'updated');
    assert.equal(updated.release.id, first.release.id);
    assert.equal(fake.repo('octo-org/packages').releases.length, 1);
    assert.equal((await findReleaseByTag(octokit, target, 'zlib-v1.3'))?.body, 'new body');
    assert.equal(await findReleaseByTag(octokit, target, 'zlib-v9'), undefined);
    // Creating the release made its tag.
    assert.deepEqual((await listTags(octokit, target)).map((tag) => tag.name), ['zlib-v1.3']);
  });

  it('handles tags with path characters', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const octokit = client(fake);
    const { release } = await ensureRelease(octokit, target, { tag: 'release/zlib@1.3+x' });
    assert.equal((await findReleaseByTag(octokit, target, 'release/zlib@1.3+x'))?.id, release.id);
    assert.equal((await ensureRelease(octokit, target, { tag: 'release/zlib@1.3+x' })).action, 'unchanged');
    assert.deepEqual((await listTags(octokit, target)).map((x) => x.name), ['release/zlib@1.3+x']);
  });

  it('a create that failed in passing is not duplicated: it looks again, then creates once', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const octokit = client(fake);
    fake.fail({ operation: 'repos/create-release', status: 502 });
    assert.equal((await ensureRelease(octokit, target, { tag: 'a-v1' })).action, 'created');
    assert.equal(fake.repo('octo-org/packages').releases.length, 1);
    // A parallel run made it between our look-up and our create: GitHub says already_exists.
    await ensureRelease(octokit, target, { tag: 'b-v1', body: 'one' });
    fake.fail({ operation: 'repos/get-release-by-tag', status: 404 });
    const raced = await ensureRelease(octokit, target, { tag: 'b-v1', body: 'two' });
    assert.equal(raced.action, 'updated');
    assert.equal(fake.repo('octo-org/packages').releases.filter((r) => r.tag === 'b-v1').length, 1);
  });

  it('a draft counts: ensure as a draft, upload, publish; a re-run after a crash finds the draft', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const octokit = client(fake);
    const draft = await ensureRelease(octokit, target, { tag: 'zlib-v1.3', draft: true, body: 'b' });
    assert.equal(draft.release.draft, true);
    assert.deepEqual(await listTags(octokit, target), [], 'a draft makes no tag');
    assert.equal(await findReleaseByTag(octokit, target, 'zlib-v1.3'), undefined);
    await uploadReleaseAsset(octokit, target, draft.release, { name: 'key.asc', data: Buffer.from('k') });
    // The run died here; the next one finds the same draft.
    const again = await ensureRelease(octokit, target, { tag: 'zlib-v1.3', draft: true, body: 'b' });
    assert.deepEqual([again.action, again.release.id], ['unchanged', draft.release.id]);
    const published = await ensureRelease(octokit, target, { tag: 'zlib-v1.3', draft: false, body: 'b' });
    assert.deepEqual([published.action, published.release.id, published.release.draft], ['updated', draft.release.id, false]);
    assert.deepEqual(published.release.assets.map((a) => a.name), ['key.asc']);
    assert.deepEqual((await listTags(octokit, target)).map((x) => x.name), ['zlib-v1.3']);
    assert.equal(fake.repo('octo-org/packages').releases.length, 1);
  });

  it('lists every page of releases, without drafts, with pre-releases flagged', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const octokit = client(fake);
    for (let i = 0; i < 104; i++) await octokit.rest.repos.createRelease({ ...target, tag_name: `p-v1.${i}`, prerelease: i % 10 === 0 });
    await octokit.rest.repos.createRelease({ ...target, tag_name: 'p-v2.0', draft: true });
    const releases = await listReleases(octokit, target);
    assert.equal(releases.length, 104);
    assert.equal(releases.filter((r) => r.prerelease).length, 11);
    assert.ok(!releases.some((r) => r.draft));
    assert.equal((await listReleases(octokit, target, { includeDrafts: true })).length, 105);
    assert.equal((await listReleases(octokit, target, { limit: 5 })).length, 5);
    assert.equal(fake.requests.filter((r) => r.operation === 'repos/list-releases').length, 2 + 2 + 1);
  });

  it('uploads assets to upload_url, leaves identical ones, replaces changed ones', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const octokit = client(fake);
    const { release } = await ensureRelease(octokit, target, { tag: 'zlib-v1.3' });
    assert.ok(release.uploadUrl.startsWith(`${fake.apiUrl}/uploads/`) || release.uploadUrl.includes('/uploads/'));
    const sbom = Buffer.from('{"bomFormat":"CycloneDX"}');
    const first = await uploadReleaseAsset(octokit, target, release, { name: 'zlib.cdx.json', data: sbom, contentType: 'application/json' });
    assert.equal(first.action, 'uploaded');
    assert.equal(first.asset.contentType, 'application/json');
    assert.equal(first.asset.size, sbom.length);
    assert.equal((await uploadReleaseAsset(octokit, target, release, { name: 'zlib.cdx.json', data: sbom })).action, 'unchanged');
    const changed = Buffer.from('{"bomFormat":"CycloneDX","version":2}');
    const replaced = await uploadReleaseAsset(octokit, target, release, { name: 'zlib.cdx.json', data: changed, contentType: 'application/json' });
    assert.equal(replaced.action, 'replaced');
    const assets = fake.repo('octo-org/packages').releases[0]!.assets;
    assert.deepEqual(assets.map((a) => a.name), ['zlib.cdx.json']);
    const download = await fetch(replaced.asset.downloadUrl);
    assert.equal(await download.text(), changed.toString());
    const uploads = fake.requests.filter((r) => r.operation === 'repos/upload-release-asset');
    assert.equal(uploads.length, 2);
    assert.ok(uploads.every((r) => r.path.startsWith('/uploads/') && r.auth === 'token'));
  });
});

describe('asset names', () => {
  it('uses the name GitHub gives an asset, so a re-run finds it', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const octokit = client(fake);
    const { release } = await ensureRelease(octokit, target, { tag: 'zlib-v1.3' });
    const first = await uploadReleaseAsset(octokit, target, release, { name: 'zlib 1.3 (sbom).json', data: Buffer.from('{}') });
    assert.equal(first.asset.name, 'zlib.1.3..sbom..json');
    assert.equal((await uploadReleaseAsset(octokit, target, release, { name: 'zlib 1.3 (sbom).json', data: Buffer.from('{}') })).action, 'unchanged');
    await assert.rejects(uploadReleaseAsset(octokit, target, release, { name: '...', data: Buffer.from('{}') }), /GitHub cannot store it under a name/);
  });
});

describe('tags', () => {
  it('lists every page', async (t) => {
    const tags = Array.from({ length: 230 }, (_, i) => `v1.${i}.0`);
    const fake = await useFakeGitHub(t, { repos: [{ owner: 'up', name: 'stream', tags }] });
    const listed = await listTags(client(fake), { owner: 'up', repo: 'stream' });
    assert.equal(listed.length, 230);
    assert.equal(listed[0]!.name, 'v1.229.0');
    assert.match(listed[0]!.sha, /^[0-9a-f]{40}$/);
    assert.equal(fake.requests.filter((r) => r.operation === 'repos/list-tags').length, 3);
  });

  it('reads public repositories without a token', async (t) => {
    const fake = await useFakeGitHub(t, { repos: [{ owner: 'up', name: 'stream', tags: ['v1.0'] }] });
    const anonymous = createGitHubClient({ env: { GITHUB_API_URL: fake.apiUrl } });
    assert.deepEqual((await listTags(anonymous, { owner: 'up', repo: 'stream' })).map((x) => x.name), ['v1.0']);
    assert.equal(fake.requests.at(-1)!.auth, 'none');
  });
});

describe('pull requests', () => {
  it('opens one per branch, labels it (creating the label), closes the old one with a comment', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const octokit = client(fake);
    const first = await createPullRequest(octokit, target, { title: 'zlib: update to 1.3.1', head: 'paks/update-zlib-1.3.1', base: 'main', body: 'sha256 …' });
    assert.equal(first.created, true);
    const again = await createPullRequest(octokit, target, { title: 'zlib: update to 1.3.1', head: 'paks/update-zlib-1.3.1', base: 'main' });
    assert.deepEqual([again.created, again.pullRequest.number], [false, first.pullRequest.number]);
    assert.deepEqual(await addLabels(octokit, target, first.pullRequest.number, [{ name: 'paks-update', color: '0e8a16', description: 'Opened by paks update' }]), ['paks-update']);
    assert.equal(fake.repo('octo-org/packages').labels[0]!.color, '0e8a16');
    await addLabels(octokit, target, first.pullRequest.number, ['paks-update']);
    assert.equal(fake.repo('octo-org/packages').labels.length, 1);

    const second = await createPullRequest(octokit, target, { title: 'zlib: update to 1.3.2', head: 'paks/update-zlib-1.3.2', base: 'main' });
    const open = await listPullRequests(octokit, target);
    assert.deepEqual(open.map((p) => p.number), [second.pullRequest.number, first.pullRequest.number]);
    assert.deepEqual(open[1]!.labels, ['paks-update']);
    assert.deepEqual((await listPullRequests(octokit, target, { head: 'paks/update-zlib-1.3.1' })).map((p) => p.head), ['paks/update-zlib-1.3.1']);

    const closed = await closePullRequest(octokit, target, first.pullRequest.number, `Superseded by #${second.pullRequest.number}.`);
    assert.equal(closed.state, 'closed');
    assert.equal(fake.repo('octo-org/packages').comments[0]!.body, `Superseded by #${second.pullRequest.number}.`);
    assert.deepEqual((await listPullRequests(octokit, target)).map((p) => p.number), [second.pullRequest.number]);
    assert.equal((await listPullRequests(octokit, target, { state: 'all' })).length, 2);
  });

  it('a head branch GitHub does not have is refused in one sentence', async (t) => {
    const fake = await useFakeGitHub(t, { repos });
    const error = await failure(fake, createPullRequest(client(fake), target, { title: 't', head: 'no-such-branch', base: 'main' }));
    assert.equal(error.kind, 'conflict');
    assert.match(error.message, /GitHub refused it \(422 Validation Failed: PullRequest head invalid\)/);
  });
});

describe('GitHub Enterprise', () => {
  it('works under an /api/v3 base URL (with a trailing slash) and its own upload path', async (t) => {
    const fake = await useFakeGitHub(t, { repos, prefix: '/api/v3' });
    const octokit = createGitHubClient({ env: { GITHUB_API_URL: `${fake.apiUrl}/`, GITHUB_TOKEN: fake.token } });
    const { release } = await ensureRelease(octokit, target, { tag: 'x-v1' });
    await uploadReleaseAsset(octokit, target, release, { name: 'key.asc', data: Buffer.from('key') });
    assert.ok(fake.requests.every((r) => r.path.startsWith('/api/v3/') || r.path.startsWith('/uploads/')));
  });
});
