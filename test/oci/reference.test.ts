import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { formatReference, manifestTarget, parseReference } from '../../src/oci/reference.js';

describe('parseReference', () => {
  const cases: [string, object][] = [
    ['ghcr.io/org/zlib:1.3.1', { registry: 'ghcr.io', repository: 'org/zlib', tag: '1.3.1' }],
    ['ubuntu', { registry: 'docker.io', repository: 'library/ubuntu' }],
    ['ubuntu:22.04', { registry: 'docker.io', repository: 'library/ubuntu', tag: '22.04' }],
    ['someone/tool', { registry: 'docker.io', repository: 'someone/tool' }],
    ['index.docker.io/someone/tool', { registry: 'docker.io', repository: 'someone/tool' }],
    ['docker.io/ubuntu', { registry: 'docker.io', repository: 'library/ubuntu' }],
    ['localhost/paks/x', { registry: 'localhost', repository: 'paks/x' }],
    ['localhost:5000/x', { registry: 'localhost:5000', repository: 'x' }],
    ['127.0.0.1:5000/paks/cache:v1', { registry: '127.0.0.1:5000', repository: 'paks/cache', tag: 'v1' }],
    ['[::1]:5000/a/b', { registry: '[::1]:5000', repository: 'a/b' }],
    ['Registry.Example.COM/a', { registry: 'registry.example.com', repository: 'a' }],
    ['oci://ghcr.io/org/cache', { registry: 'ghcr.io', repository: 'org/cache' }],
    ['ghcr.io/a/b__c.d-e/f:tag_1.x-2', { registry: 'ghcr.io', repository: 'a/b__c.d-e/f', tag: 'tag_1.x-2' }],
  ];
  for (const [text, expected] of cases) {
    it(`parses ${text}`, () => assert.deepEqual(parseReference(text), expected));
  }

  it('keeps both tag and digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseReference(`ghcr.io/o/n:1.0@${digest}`), { registry: 'ghcr.io', repository: 'o/n', tag: '1.0', digest });
    assert.deepEqual(parseReference(`ghcr.io/o/n@${digest}`, { defaultTag: 'latest' }), { registry: 'ghcr.io', repository: 'o/n', digest });
  });

  it('applies the default tag only when there is neither tag nor digest', () => {
    assert.equal(parseReference('ghcr.io/o/n', { defaultTag: 'latest' }).tag, 'latest');
    assert.equal(parseReference('ghcr.io/o/n:2', { defaultTag: 'latest' }).tag, '2');
  });

  const bad = [
    '',
    'ghcr.io/Org/zlib',
    'ghcr.io/org/zlib:',
    'ghcr.io/org/zlib:-bad',
    `ghcr.io/org/zlib:${'x'.repeat(129)}`,
    'ghcr.io/org/zlib@sha256:123',
    'ghcr.io/org/zlib@md5:d41d8cd98f00b204e9800998ecf8427e',
    'https://ghcr.io/org/zlib',
    'ghcr.io/org//zlib',
    'ghcr.io/org/zlib/',
    'ghcr.io/org/-zlib',
    'ghcr.io/org/zlib..x',
    'ghcr.io/org zlib',
    'ghcr.io\\org\\zlib',
    'ghcr.io:port/x',
    `ghcr.io/${'a'.repeat(250)}`,
  ];
  for (const text of bad) {
    it(`refuses ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} as a usage error`, () => {
      assert.throws(
        () => parseReference(text),
        (error: unknown) => error instanceof PaksError && error.kind === 'usage' && /not a valid image reference/.test(error.message),
      );
    });
  }

  it('says names must be lowercase', () => {
    assert.throws(() => parseReference('ghcr.io/Org/zlib'), (e: unknown) => e instanceof PaksError && /lowercase/.test(e.hint ?? ''));
  });
});

describe('formatReference / manifestTarget', () => {
  it('round-trips', () => {
    for (const text of ['ghcr.io/o/n:1', 'localhost:5000/x@sha256:' + 'b'.repeat(64), 'docker.io/library/ubuntu:22.04']) {
      assert.equal(formatReference(parseReference(text)), text);
    }
  });
  it('prefers the digest and refuses a reference with neither', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    assert.equal(manifestTarget({ registry: 'r.io', repository: 'a', tag: 't', digest }), digest);
    assert.throws(() => manifestTarget({ registry: 'r.io', repository: 'a' }), /neither a tag nor a digest/);
  });
});
