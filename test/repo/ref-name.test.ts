// tagNameProblem is git's check-ref-format as a pure function: every case of the table is
// also put to the real `git check-ref-format refs/tags/<name>`, and both must agree.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { tagNameProblem } from '../../src/repo/ref-name.js';

const CASES = [
  'zlib-v1.3.1', 'zlib/1.3.1', 'v1.0', '@', 'a@b', 'ünïcode-1.0', 'release-{x}', 'a.b.c', 'a-', '-a', 'x.lockfile', 'lock.x', 'a/b/c',
  'zlib v1.3.1', 'zlib~1.3.1', 'zlib..1.3.1', 'zlib:1.3.1', 'zlib^1', 'zlib?1', 'zlib*1', 'zlib[1', 'zlib\\1', 'zlib@{1}', 'zlib\t1', 'zlib\x7f1', 'zlib\x011',
  '', '.zlib', 'zlib/.1', 'zlib.', 'zlib/1.', 'zlib.lock', 'zlib.lock/1', 'zlib/1.lock', '/zlib', 'zlib/', 'zlib//1', '.', '..', 'a/./b', 'a/../b', '.lock',
];

function gitAccepts(name: string): boolean {
  const result = spawnSync('git', ['check-ref-format', `refs/tags/${name}`], { encoding: 'utf8' });
  assert.ok(result.status === 0 || result.status === 1, `git check-ref-format failed to run: ${result.stderr}`);
  return result.status === 0;
}

test('tagNameProblem agrees with git check-ref-format on every case of the table', () => {
  const disagreements = CASES.filter((name) => (tagNameProblem(name) === undefined) !== gitAccepts(name));
  assert.deepEqual(disagreements.map((name) => [name, tagNameProblem(name) ?? 'valid']), []);
  // The table holds both kinds, so agreeing is not trivial.
  assert.ok(CASES.filter(gitAccepts).length >= 10 && CASES.filter((name) => !gitAccepts(name)).length >= 20);
});

test('the reasons say what is wrong', () => {
  assert.equal(tagNameProblem('zlib v1'), 'contains a space');
  assert.equal(tagNameProblem('zlib..1'), "contains '..'");
  assert.equal(tagNameProblem('zlib/1.lock'), "has a part that ends with '.lock' (1.lock)");
  assert.equal(tagNameProblem('zlib\t1'), 'contains the control character U+0009');
});
