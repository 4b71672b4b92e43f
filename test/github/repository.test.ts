import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { parseRemoteUrl, parseRepositoryName, resolveGitHubRepository } from '../../src/github/index.js';
import { temporaryDirectory } from '../helpers/cli.js';

async function checkout(t: Parameters<typeof temporaryDirectory>[0], origin?: string): Promise<string> {
  const dir = await temporaryDirectory(t, 'paks-github-');
  execFileSync('git', ['init', '-q', dir]);
  if (origin) execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', origin]);
  return dir;
}

describe('repository names', () => {
  it('parses OWNER/NAME and refuses anything else', () => {
    assert.deepEqual(parseRepositoryName('octo-org/spack-packages'), { owner: 'octo-org', repo: 'spack-packages' });
    assert.deepEqual(parseRepositoryName('a/b.c_d'), { owner: 'a', repo: 'b.c_d' });
    for (const bad of ['octo', 'a/b/c', '/b', 'a/', '-a/b', 'a/..', 'a b/c', 'a/b c']) assert.equal(parseRepositoryName(bad), undefined, bad);
  });

  it('reads remote URLs in https, ssh and scp forms', () => {
    const want = { host: 'github.com', repository: { owner: 'octo', repo: 'pkgs' } };
    for (const url of [
      'https://github.com/octo/pkgs',
      'https://github.com/octo/pkgs.git',
      'https://github.com/octo/pkgs/',
      'https://x-access-token:ghs_secret@github.com/octo/pkgs.git',
      'http://github.com/octo/pkgs.git',
      'ssh://git@github.com/octo/pkgs.git',
      'ssh://git@github.com:22/octo/pkgs',
      'git@github.com:octo/pkgs.git',
      'git@github.com:/octo/pkgs.git',
      'github.com:octo/pkgs',
      'git://github.com/octo/pkgs.git',
    ]) {
      assert.deepEqual(parseRemoteUrl(url), want, url);
    }
    assert.deepEqual(parseRemoteUrl('git@ghe.example.com:team/repo.git'), { host: 'ghe.example.com', repository: { owner: 'team', repo: 'repo' } });
    for (const bad of ['/srv/git/pkgs.git', '../pkgs.git', 'file:///srv/octo/pkgs.git', 'C:\\repos\\pkgs', 'https://github.com/octo', 'https://github.com/octo/pkgs/tree/main']) {
      assert.equal(parseRemoteUrl(bad), undefined, bad);
    }
  });
});

describe('resolveGitHubRepository', () => {
  it('prefers --github-repo, then GITHUB_REPOSITORY, then origin', async (t) => {
    const dir = await checkout(t, 'git@github.com:from/origin.git');
    const env = { GITHUB_REPOSITORY: 'from/env' };
    assert.deepEqual(await resolveGitHubRepository({ flag: 'from/flag', env, cwd: dir }), { owner: 'from', repo: 'flag', source: '--github-repo' });
    assert.deepEqual(await resolveGitHubRepository({ env, cwd: dir }), { owner: 'from', repo: 'env', source: 'GITHUB_REPOSITORY' });
    assert.deepEqual(await resolveGitHubRepository({ env: {}, cwd: dir }), { owner: 'from', repo: 'origin', source: 'origin' });
  });

  it('says what to do when nothing names a GitHub repository, without leaking a remote token', async (t) => {
    const bad = await resolveGitHubRepository({ flag: 'not a repo', env: {}, cwd: '.' }).catch((e: unknown) => e);
    assert.ok(bad instanceof PaksError && bad.exitCode === 2 && /--github-repo "not a repo" is not OWNER\/NAME/.test(bad.message));

    const bare = await checkout(t);
    const none = await resolveGitHubRepository({ env: {}, cwd: bare }).catch((e: unknown) => e);
    assert.ok(none instanceof PaksError && /has no origin remote; pass --github-repo OWNER\/NAME or set GITHUB_REPOSITORY/.test(none.message));

    const local = await checkout(t, '/srv/git/packages.git');
    const path = await resolveGitHubRepository({ env: {}, cwd: local }).catch((e: unknown) => e);
    assert.ok(path instanceof PaksError && /origin \(\/srv\/git\/packages\.git\) is not a GitHub URL/.test(path.message), String(path));

    const gitlab = await checkout(t, 'https://oauth2:glpat-secret-value@gitlab.com/octo/pkgs.git');
    const other = await resolveGitHubRepository({ env: {}, cwd: gitlab }).catch((e: unknown) => e);
    assert.ok(other instanceof PaksError && /is on gitlab\.com, not GitHub/.test(other.message), String(other));
    assert.ok(!other.message.includes('glpat-secret-value'));
  });

  it('accepts the GitHub Enterprise host that GITHUB_SERVER_URL names', async (t) => {
    const dir = await checkout(t, 'https://ghe.example.com/team/pkgs.git');
    await assert.rejects(resolveGitHubRepository({ env: {}, cwd: dir }), /not GitHub/);
    assert.deepEqual(await resolveGitHubRepository({ env: { GITHUB_SERVER_URL: 'https://ghe.example.com' }, cwd: dir }), { owner: 'team', repo: 'pkgs', source: 'origin' });
  });
});
