/** The catalogue's words for platforms, and its links to the recipe that built each binary. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDocuments } from '../../src/api/documents.js';
import { platformLabel } from '../../src/api/platform-label.js';
import { renderPackage } from '../../src/api/render.js';
import { recipeDetailsFromInfo } from '../../src/api/recipes.js';
import { binary, recipe, schemaErrors } from './documents.js';

test('platforms read as users think of them', () => {
  assert.equal(platformLabel({ os: 'linux', architecture: 'amd64', target: 'x86_64_v3', libc: 'glibc', libcVersion: '2.28' }), 'Linux x86_64 (x86_64_v3+, glibc ≥ 2.28)');
  assert.equal(platformLabel({ os: 'linux', architecture: 'arm64', target: 'neoverse_v1', libc: 'musl' }), 'Linux aarch64 (neoverse_v1+, musl)');
  assert.equal(platformLabel({ os: 'linux', architecture: 'amd64', target: 'x86_64' }), 'Linux x86_64');
  assert.equal(platformLabel({ os: 'darwin', architecture: 'arm64' }), 'macOS aarch64');
});

test('a binary that names its commit links the recipe at that commit; its libc is in the platform', () => {
  const registry = 'ghcr.io/octo/packages';
  const built: ReturnType<typeof binary> = { ...binary(registry, 'zlib', true), revision: '0123456789abcdef0123456789abcdef01234567', libc: 'glibc', libcVersion: '2.28' };
  const docs = buildDocuments([recipe('zlib', ['1.0.0'])], new Map([['zlib', { repository: `${registry}/zlib`, versions: new Map([['1.0.0', [built]]]) }]]), {
    registry,
    generatedAt: new Date('2026-01-02T03:04:05Z'),
    publisher: { sourceUrl: 'https://github.com/octo/packages', packagesPath: 'packages', releaseTag: (n, v) => `${n}-v${v}` },
  });
  const zlib = docs.byName.get('zlib')!;
  assert.equal(schemaErrors('package', zlib), '');
  const [doc] = zlib.versions[0]!.binaries;
  assert.equal(doc!.recipe_url, 'https://github.com/octo/packages/blob/0123456789abcdef0123456789abcdef01234567/packages/zlib/package.py');
  assert.equal(doc!.platform_label, 'Linux x86_64 (icelake+, glibc ≥ 2.28)');
  // Without a publisher key there is no trust step to show.
  assert.equal(zlib.install.first_time, null);
  const html = renderPackage(zlib, new Set(['zlib']));
  assert.match(html, /<a href="https:\/\/github\.com\/octo\/packages\/blob\/0123456789abcdef0123456789abcdef01234567\/packages\/zlib\/package\.py" rel="noopener">recipe at this build<\/a>/);
  assert.match(html, /Linux x86_64 \(icelake\+, glibc ≥ 2\.28\)/);
});

test("a licence Spack does not know is no licence", () => {
  const info = 'Package:   mytool\n\nDescription:\n    A tool.\n\nLicenses: \n    UNKNOWN \n\n';
  assert.deepEqual(recipeDetailsFromInfo(info).licenses, []);
});
