import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conflictingTitles, unsafeTitleReason } from '../../src/oci/layer-title.js';

describe('layer titles as paths', () => {
  const dir = '/tmp/pull-here';
  it('accepts plain relative POSIX paths', () => {
    for (const title of ['index.json', 'build_cache/_pgp/KEY.pub', 'a/b/c.d..e', '..hidden', 'a/...']) {
      assert.equal(unsafeTitleReason(title, dir), undefined, title);
    }
  });
  it('refuses escapes and odd names', () => {
    const cases: [string, RegExp][] = [
      ['../x', /\.\./],
      ['a/../../x', /\.\./],
      ['a/..', /\.\./],
      ['/etc/x', /absolute/],
      ['C:/x', /absolute/],
      ['a\\..\\x', /backslash/],
      ['a\0b', /NUL/],
      ['', /empty/],
      ['a//b', /empty or "\."/],
      ['./a', /empty or "\."/],
      ['a/', /empty or "\."/],
      ['x'.repeat(300), /too long/],
    ];
    for (const [title, reason] of cases) assert.match(unsafeTitleReason(title, dir) ?? 'accepted', reason, JSON.stringify(title));
  });
  it('finds duplicate titles and file/directory clashes', () => {
    assert.equal(conflictingTitles(['a', 'b/c']), undefined);
    assert.match(conflictingTitles(['a', 'a']) ?? '', /twice/);
    assert.match(conflictingTitles(['a/b', 'a']) ?? '', /both a file and a directory/);
  });
});
