import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDocuments, filterPackages } from '../../src/api/documents.js';
import { buildSite } from '../../src/api/site.js';
import { escapeHtml, renderIndex } from '../../src/api/render.js';
import { binary, recipe, sampleDocuments, schemaErrors } from './documents.js';

test('versions join the recipe and the registry; a version only the registry has is marked', () => {
  const registry = 'ghcr.io/org/pkgs';
  const docs = buildDocuments(
    [recipe('zlib', ['1.3.1', '1.2.13']), recipe('abc', [], { description: undefined, homepage: undefined, licenses: [] })],
    new Map([['zlib', { repository: `${registry}/zlib`, versions: new Map([['1.3.1', [binary(registry, 'zlib', true)]], ['1.3.0-rc1', [binary(registry, 'zlib', false, 2)]]]) }]]),
    { registry, generatedAt: new Date('2026-01-02T03:04:05.678Z'), baseUrl: 'https://org.github.io/pkgs/' },
  );
  assert.deepEqual(docs.packages.packages.map((p) => p.name), ['abc', 'zlib']);
  const zlib = docs.byName.get('zlib')!;
  assert.deepEqual(zlib.versions.map((v) => [v.version, v.in_recipe, v.binaries.length]), [['1.3.1', true, 1], ['1.2.13', true, 0], ['1.3.0-rc1', false, 1]]);
  assert.equal(zlib.versions[1]!.install, null);
  assert.equal(zlib.generated_at, '2026-01-02T03:04:05Z');
  assert.equal(zlib.url, 'https://org.github.io/pkgs/api/v1/packages/zlib.json');
  const summary = docs.packages.packages[1]!;
  assert.equal(summary.signed, false, 'one unsigned binary makes the package not signed');
  const abc = docs.byName.get('abc')!;
  assert.equal(abc.install.binary, null);
  assert.equal(abc.latest_version, null);
  for (const doc of docs.byName.values()) assert.equal(schemaErrors('package', doc), '');
  for (const versions of docs.versions.values()) for (const doc of versions.values()) assert.equal(schemaErrors('version', doc), '');
  assert.equal(schemaErrors('packages', docs.packages), '');
});

test('?q= ranks exact and prefix name matches first and needs every word', () => {
  const docs = sampleDocuments(12).packages;
  assert.deepEqual(filterPackages(docs, 'pkg-1').packages.map((p) => p.name), ['pkg-1', 'pkg-10', 'pkg-11']);
  assert.deepEqual(filterPackages(docs, 'the zlib').packages.map((p) => p.name), ['zlib']);
  assert.equal(filterPackages(docs, '   ').count, 12);
});

test('pages escape what recipes say and carry no inline code', () => {
  const docs = buildDocuments([recipe('evil', ['1.0'], { description: '<script>alert(1)</script> & "quotes"' })], new Map(), { registry: 'r.example/o', generatedAt: new Date() });
  const html = renderIndex(docs.packages);
  assert.ok(!html.includes('<script>alert'), html);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quotes&quot;/);
  const site = buildSite(docs);
  for (const [path, file] of site) {
    if (!path.endsWith('.html')) continue;
    const text = file.body.toString('utf8');
    assert.doesNotMatch(text, /<script>|<script [^>]*>[^<]|\son[a-z]+=|style=/i, path);
  }
  assert.ok(site.has('assets/catalogue.js') && site.has('.nojekyll'));
});

test('only http(s) homepages become links; anything else is shown as text', () => {
  const homepages = ['javascript:alert(1)', ' JavaScript:alert(2)', 'data:text/html,<b>x</b>', 'vbscript:msgbox(1)', 'file:///etc/passwd', 'example.com/no-scheme'];
  const recipes = homepages.map((homepage, i) => recipe(`p${i}`, ['1.0'], { homepage }));
  recipes.push(recipe('good', ['1.0'], { homepage: 'https://example.com/good' }), recipe('plain', ['1.0'], { homepage: 'http://example.com/plain' }));
  const site = buildSite(buildDocuments(recipes, new Map(), { registry: 'r.example/o', generatedAt: new Date() }));
  const page = (name: string) => site.get(`packages/${name}.html`)!.body.toString('utf8');
  for (const [i, homepage] of homepages.entries()) {
    const html = page(`p${i}`);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    assert.ok(hrefs.every((href) => !/^\s*[a-z]+:/i.test(href) || /^https?:/.test(href)), `${homepage}: ${hrefs.join(' ')}`);
    assert.ok(html.includes(`<dt>Homepage</dt><dd>${escapeHtml(homepage)}</dd>`), html);
  }
  assert.match(page('good'), /<a href="https:\/\/example\.com\/good" rel="noopener">https:\/\/example\.com\/good<\/a>/);
  assert.match(page('plain'), /<a href="http:\/\/example\.com\/plain" rel="noopener">/);
});
