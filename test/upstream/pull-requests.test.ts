// paks update --pr end to end: a git checkout whose origin is a local bare repository, the
// fake GitHub API (validated against GitHub's OpenAPI description) for pull requests and
// for upstream tags, and the loopback tarball servers. One branch, commit and PR per
// package and version; dedupe, supersede, --max-prs; the token never leaves the environment.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { useFakeGitHub } from '../helpers/github/server.js';
import { sha256, tarball } from '../helpers/upstream.js';
import { world } from './world.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

async function gitWorld(t: Parameters<typeof world>[0]) {
  const w = await world(t);
  // widget: its git is on GitHub, so its versions come from GitHub (tags: it has no releases).
  const widget = tarball('widget-1.0.0', 'widget 1.0.0\n');
  w.http.files.set('/widget/widget-1.0.0.tar.gz', widget);
  w.http.files.set('/widget/widget-1.1.0.tar.gz', tarball('widget-1.1.0', 'widget 1.1.0\n'));
  await w.put(
    'packages/widget/package.py',
    `from spack.package import *\n\n\nclass Widget(Package):\n    """Widgets."""\n\n    url = "${w.http.url}/widget/widget-1.0.0.tar.gz"\n    git = "https://github.com/upstream/widget.git"\n\n    version("1.0.0", sha256="${sha256(widget)}")\n`,
  );
  git(w.root, 'init', '--quiet', '--initial-branch=main');
  git(w.root, 'add', '.');
  git(w.root, '-c', 'user.name=Maintainer', '-c', 'user.email=m@example.com', 'commit', '--quiet', '-m', 'packages');
  const bare = join(w.dir, 'origin.git');
  execFileSync('git', ['clone', '--quiet', '--bare', w.root, bare]);
  git(w.root, 'remote', 'add', 'origin', bare);
  const github = await useFakeGitHub(t, {
    repos: [
      { owner: 'octo', name: 'community', gitDir: bare },
      { owner: 'upstream', name: 'widget', tags: ['v1.0.0', 'v1.1.0', 'v2.0.0-rc1', 'nightly', 'v9.0.0/../../etc'] },
    ],
  });
  const env = { ...github.env, GITHUB_REPOSITORY: 'octo/community' };
  return { w, bare, github, env };
}

test('paks update --pr opens one pull request per new version, never twice, supersedes older ones and keeps to --max-prs', async (t) => {
  const { w, bare, github, env } = await gitWorld(t);
  const community = github.repo('octo/community');

  const first = await w.paks(['update', '--pr', '--max-prs', '2'], env);
  assert.equal(first.exitCode, 0, first.stderr + first.stdout);
  assert.match(first.stdout, /^hello-paks +1\.1\.0 +1\.2\.0 +spack +pull request #1$/m);
  assert.match(first.stdout, /^py-foo +1\.0 +1\.1 +pypi +pull request #2$/m);
  assert.match(first.stdout, /^widget +1\.0\.0 +1\.1\.0 +github +skipped: 2 update pull requests are open \(--max-prs 2\)$/m);
  const [hello, foo] = community.pulls;
  assert.equal(hello!.title, 'hello-paks: update to 1.2.0');
  assert.equal(hello!.head, 'paks/update-hello-paks-1.2.0');
  assert.equal(hello!.base, 'main');
  assert.deepEqual(hello!.labels, ['paks-update']);
  assert.match(hello!.body ?? '', new RegExp(`sha256: \`${w.shas['1.2.0']}\``));
  assert.match(hello!.body ?? '', /builds hello-paks 1\.2\.0 on ubuntu-22\.04, ubuntu-24\.04/);
  assert.equal(foo!.head, 'paks/update-py-foo-1.1');
  // One commit on top of main, touching only the package.
  assert.equal(git(bare, 'log', '--format=%s', 'main..paks/update-hello-paks-1.2.0'), 'hello-paks: add 1.2.0');
  assert.equal(git(bare, 'diff', '--name-only', 'main', 'paks/update-hello-paks-1.2.0'), 'packages/hello-paks/package.py');
  assert.match(git(bare, 'show', 'paks/update-hello-paks-1.2.0:packages/hello-paks/package.py'), new RegExp(`version\\("1\\.2\\.0", sha256="${w.shas['1.2.0']}"\\)\\n    version\\("1\\.1\\.0"`));
  // The user's checkout is untouched and the token is nowhere.
  assert.equal(git(w.root, 'status', '--porcelain'), '');
  assert.doesNotMatch(await readFile(w.recipe('hello-paks'), 'utf8'), /1\.2\.0/);
  for (const text of [first.stdout, first.stderr, git(w.root, 'config', '--list'), git(w.root, 'remote', '-v')]) assert.ok(!text.includes(github.token));

  const second = await w.paks(['update', '--pr'], env);
  assert.equal(second.exitCode, 0, second.stderr + second.stdout);
  assert.match(second.stdout, /^hello-paks .* skipped: pull request #1 for 1\.2\.0 is open$/m);
  assert.match(second.stdout, /^py-foo .* skipped: pull request #2 for 1\.1 is open$/m);
  assert.match(second.stdout, /^widget +1\.0\.0 +1\.1\.0 +github +pull request #3$/m);
  assert.equal(community.pulls.length, 3);

  // Upstream moves on: the new PR supersedes the open one, which is closed with a comment.
  w.http.files.set('/hello-paks/hello-paks-1.3.0.tar.gz', tarball('hello-paks-1.3.0', 'hello 1.3.0\n'));
  const third = await w.paks(['update', 'hello-paks', '--pr', '--json'], env);
  assert.equal(third.exitCode, 0, third.stderr + third.stdout);
  const row = (JSON.parse(third.stdout) as Array<Record<string, unknown>>)[0]!;
  assert.deepEqual([row.action, row.version, (row.pull_request as { number: number }).number], ['pull request', '1.3.0', 4]);
  assert.equal(community.pulls.find((p) => p.number === 1)!.state, 'closed');
  assert.match(community.comments.find((c) => c.issue === 1)!.body, /Superseded by #4 \(hello-paks 1\.3\.0\)/);
  assert.equal(community.pulls.filter((p) => p.state === 'open').length, 3);
});

test('paks update reports GitHub rate limiting with the reset time, and the other packages go on', async (t) => {
  const w = await world(t);
  await w.put('packages/widget/package.py', `from spack.package import *\n\n\nclass Widget(Package):\n    url = "https://github.com/upstream/widget/archive/refs/tags/v1.0.0.tar.gz"\n\n    version("1.0.0", sha256="${'0'.repeat(64)}")\n`);
  const github = await useFakeGitHub(t, { repos: [{ owner: 'upstream', name: 'widget', tags: ['v1.0.0', 'v1.4.0'] }] });
  const ok = await w.paks(['update', 'widget'], github.env);
  assert.match(ok.stdout, /^widget +1\.0\.0 +1\.4\.0 +github +1\.4\.0 available/m);
  github.exhaustRateLimit(600);
  const limited = await w.paks(['update'], github.env);
  assert.equal(limited.exitCode, 1);
  assert.match(limited.stdout, /^widget +1\.0\.0 +- +github +failed: Could not list the releases of upstream\/widget: the GitHub API rate limit is used up until .*\d\d:\d\d.*; wait until then\.$/m);
  assert.match(limited.stdout, /^hello-paks +1\.1\.0 +1\.2\.0 +spack +1\.2\.0 available/m);
  assert.ok(!limited.stdout.includes(github.token) && !limited.stderr.includes(github.token));
  const noToken = await w.paks(['update', '--pr', '--github-repo', 'octo/community'], { GITHUB_API_URL: github.apiUrl });
  assert.equal(noToken.exitCode, 1);
  assert.match(noToken.stderr, /^Error: No GitHub token to push update branches and open pull requests: set GITHUB_TOKEN \(or GH_TOKEN\) to a token with contents: write and pull-requests: write on octo\/community\.$/m);
});

test('a pull request GitHub refuses leaves no branch behind, and the run says why', async (t) => {
  const { w, bare, github, env } = await gitWorld(t);
  github.fail({ operation: 'pulls/create', status: 403, message: 'Resource not accessible by integration', times: Infinity });
  const r = await w.paks(['update', 'hello-paks', '--pr'], env);
  assert.equal(r.exitCode, 1);
  assert.match(r.stdout, /^hello-paks .* failed: Could not open a pull request from paks\/update-hello-paks-1\.2\.0 on octo\/community: GitHub refused the token \(403 Resource not accessible by integration\); grant the token pull-requests: write/m);
  assert.equal(git(bare, 'branch', '--list', 'paks/*'), '');
  assert.equal(github.repo('octo/community').pulls.length, 0);
});
