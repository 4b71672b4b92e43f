import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OCI_TAG, buildTag, versionTag } from '../../src/buildcache/tags.js';

const hash = 'eus5xxlme3e4olqwzmc6dk5dp6hopdrj';

test('buildTag is <version>-<hash7>', () => {
  assert.equal(buildTag({ version: '1.0.0', hash }), '1.0.0-eus5xxl');
  assert.equal(versionTag('1.0.0'), '1.0.0');
});

test('tags are sanitised to the OCI grammar and keep the hash when truncated', () => {
  assert.equal(versionTag('git.0123abcd=1.2'), 'git.0123abcd_1.2');
  assert.equal(buildTag({ version: 'git.abc=main', hash }), 'git.abc_main-eus5xxl');
  assert.equal(versionTag('.hidden'), '_.hidden');
  assert.equal(versionTag('-rc'), '_-rc');
  assert.equal(versionTag('1.0+cuda~mpi'), '1.0_cuda_mpi');
  const long = buildTag({ version: '9'.repeat(300), hash });
  assert.equal(long.length, 128);
  assert.ok(long.endsWith('-eus5xxl'));
  for (const v of ['1.0.0', 'git.abc=main', '.x', '-y', 'ü', '9'.repeat(300), 'a b/c']) {
    assert.match(versionTag(v), OCI_TAG);
    assert.match(buildTag({ version: v, hash }), OCI_TAG);
  }
  assert.throws(() => versionTag(''), /empty version/);
});
