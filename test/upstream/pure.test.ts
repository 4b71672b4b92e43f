import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRecipe, newestRecipeVersion, withVersionAdded } from '../../src/upstream/recipe.js';
import { compareVersions, inSeries, parseVersion, sortNewestFirst } from '../../src/upstream/version.js';
import { commonTagPatterns, githubProject, tagPattern, urlForVersion, versionFromTag } from '../../src/upstream/url.js';
import * as github from '../../src/upstream/sources/github.js';
import * as pypi from '../../src/upstream/sources/pypi.js';
import * as spack from '../../src/upstream/sources/spack.js';
import { newestAllowed, updateRulesSchema } from '../../src/upstream/rules.js';

const v = (text: string) => {
  const parsed = parseVersion(text);
  assert.ok(parsed, `${text} parses`);
  return parsed;
};

test('versions order as Spack orders them', () => {
  const order = ['1.0.0rc1', '1.0.0', '1.0.0.1', '1.2', '1.10', '2.0-beta', '2.0.0-rc2', '2.0.0', 'develop'];
  const shuffled = [...order].reverse();
  assert.deepEqual(sortNewestFirst(shuffled.map(v)).map((x) => x.text), [...order].reverse());
  assert.equal(compareVersions(v('1.2.10'), v('1.2.9')), 1);
  assert.equal(compareVersions(v('1.2'), v('1.2.0')), -1);
  for (const bad of ['../1.0', '1.0/../../x', 'v1 2', '', '1.0.', '-1', 'a'.repeat(80)]) assert.equal(parseVersion(bad), undefined, bad);
  assert.ok(inSeries(v('1.4.2'), '1.x'));
  assert.ok(!inSeries(v('2.0.0'), '1.x'));
  assert.ok(inSeries(v('2.4.9'), '2.4.x'));
  assert.ok(!inSeries(v('2.40.1'), '2.4'));
});

const RECIPE = `from spack.package import *


class HelloPaks(MakefilePackage):
    """Tiny hello."""

    homepage = "https://example.com/hello-paks"
    url = "http://127.0.0.1:9/hello-paks/hello-paks-1.1.0.tar.gz"
    list_url = "http://127.0.0.1:9/hello-paks/"

    license("MIT")

    version("1.1.0", sha256="4248d717c22be898e9ea8c209261a425afa09583e7d9a3e1d86e32b1334a89d7")
    version(
        "1.0.0",
        sha256="10ca2370ef7db8b165a7c2aec6c5efbe636a761948527ce55cc5783d4973ce2f",
        deprecated=True,  # (old)
    )
    version("develop", branch="main")

    def build(self, spec, prefix):
        make(f"PREFIX={prefix}")
`;

test('a recipe is read without Python and a version is added in Spack order and style', () => {
  const recipe = readRecipe('hello-paks', RECIPE);
  assert.equal(recipe.url, 'http://127.0.0.1:9/hello-paks/hello-paks-1.1.0.tar.gz');
  assert.equal(recipe.listUrl, 'http://127.0.0.1:9/hello-paks/');
  assert.deepEqual(recipe.versions.map((x) => [x.text, x.fromGit, x.deprecated]), [['1.1.0', false, false], ['1.0.0', false, true], ['develop', true, false]]);
  assert.equal(newestRecipeVersion(recipe)?.text, '1.1.0');
  assert.equal(urlForVersion(recipe, v('1.2.0')), 'http://127.0.0.1:9/hello-paks/hello-paks-1.2.0.tar.gz');
  const sha = 'a'.repeat(64);
  const newer = withVersionAdded(recipe, v('1.2.0'), sha)!;
  assert.ok(newer.includes(`    version("1.2.0", sha256="${sha}")\n    version("1.1.0"`));
  const between = withVersionAdded(recipe, v('1.0.5'), sha)!;
  assert.ok(between.includes(`    version("1.0.5", sha256="${sha}")\n    version(\n        "1.0.0"`));
  const oldest = withVersionAdded(recipe, v('0.9'), sha)!;
  assert.ok(oldest.includes(`deprecated=True,  # (old)\n    )\n    version("0.9", sha256="${sha}")\n`));
  assert.equal(withVersionAdded(recipe, v('1.1.0'), sha), undefined);
  assert.equal(newer.replace(`    version("1.2.0", sha256="${sha}")\n`, ''), RECIPE, 'nothing else changes');
  assert.throws(() => withVersionAdded(recipe, v('1.3'), 'not-a-digest'));
});

test('tags map to versions by the package URL pattern; other tags are not versions', () => {
  const recipe = (url: string, versions = ['1.2.3']) => readRecipe('foo', `class Foo(Package):\n    url = "${url}"\n\n${versions.map((x) => `    version("${x}", sha256="${'0'.repeat(64)}")\n`).join('')}`);
  const cases: Array<[string, string, string]> = [
    ['https://github.com/o/foo/archive/refs/tags/v1.2.3.tar.gz', 'v1.4.0', '1.4.0'],
    ['https://github.com/o/foo/archive/foo-1.2.3.tar.gz', 'foo-2.0.1', '2.0.1'],
    ['https://github.com/o/foo/archive/refs/tags/release_1_2_3.tar.gz', 'release_1_3_0', '1.3.0'],
    ['https://github.com/o/foo/releases/download/v1.2.3/foo-1.2.3.tar.gz', 'v1.3.0-rc1', '1.3.0-rc1'],
  ];
  for (const [url, tag, expected] of cases) {
    const pattern = tagPattern(recipe(url));
    assert.ok(pattern, url);
    assert.equal(versionFromTag(tag, [pattern])?.text, expected, `${url} ${tag}`);
  }
  const p = tagPattern(recipe('https://github.com/o/foo/archive/refs/tags/v1.2.3.tar.gz'))!;
  for (const hostile of ['v1.4.0/../../etc', '../v1.4.0', 'v1.4.0\n', 'nightly', 'v1.4.0.tar.gz', 'v1..4']) assert.equal(versionFromTag(hostile, [p]), undefined, hostile);
  assert.equal(versionFromTag('foo-3.1', commonTagPatterns('foo'))?.text, '3.1');
  assert.deepEqual(githubProject('git@github.com:o/foo.git'), { owner: 'o', repo: 'foo' });
  assert.deepEqual(githubProject('https://github.com/o/foo/archive/v1.tar.gz'), { owner: 'o', repo: 'foo' });
  assert.equal(githubProject('https://example.com/o/foo'), undefined);
});

test('each source says whether it applies, where to ask, and parses recorded content', () => {
  const gh = readRecipe('foo', 'class Foo(Package):\n    url = "https://github.com/o/foo/archive/refs/tags/v1.2.3.tar.gz"\n\n    version("1.2.3", sha256="' + '0'.repeat(64) + '")\n');
  assert.ok(github.appliesTo(gh));
  const q = github.query(gh)!;
  assert.equal(`${q.owner}/${q.repo}`, 'o/foo');
  const releases = [
    { tag: 'v1.3.0', draft: false, prerelease: false, htmlUrl: 'https://github.com/o/foo/releases/tag/v1.3.0' },
    { tag: 'v1.4.0', draft: true, prerelease: false, htmlUrl: 'x' },
    { tag: 'v1.5.0-rc1', draft: false, prerelease: true, htmlUrl: 'y' },
    { tag: 'nightly', draft: false, prerelease: false, htmlUrl: 'z' },
    { tag: 'v1.6.0/../../etc', draft: false, prerelease: false, htmlUrl: 'w' },
  ];
  assert.deepEqual(github.parseReleases(releases, q).map((c) => [c.version.text, c.prerelease]), [['1.3.0', false], ['1.5.0-rc1', true]]);
  assert.deepEqual(github.parseTags([{ name: 'v1.3.1' }, { name: 'junk' }], q).map((c) => c.version.text), ['1.3.1']);

  const py = readRecipe('py-foo', 'class PyFoo(PythonPackage):\n    pypi = "foo/foo-1.0.tar.gz"\n\n    version("1.0", sha256="' + '0'.repeat(64) + '")\n');
  assert.ok(pypi.appliesTo(py) && !github.appliesTo(py));
  const pq = pypi.query(py, 'http://127.0.0.1:1/')!;
  assert.equal(pq.url, 'http://127.0.0.1:1/pypi/foo/json');
  const doc = {
    info: { name: 'foo' },
    releases: {
      '1.0': [{ filename: 'foo-1.0.tar.gz', packagetype: 'sdist', digests: { sha256: '1'.repeat(64) } }],
      '1.1': [{ filename: 'foo-1.1.tar.gz', packagetype: 'sdist', digests: { sha256: '2'.repeat(64) } }],
      '1.2': [{ filename: 'foo-1.2.tar.gz', packagetype: 'sdist', yanked: true }],
      '2.0b1': [{ filename: 'foo-2.0b1.tar.gz', packagetype: 'sdist' }],
      '1.3': [{ filename: 'foo-1.3-py3-none-any.whl', packagetype: 'bdist_wheel' }],
    },
  };
  const found = pypi.parse(doc, pq);
  assert.deepEqual(found.map((c) => [c.version.text, c.prerelease]), [['1.0', false], ['1.1', false], ['2.0b1', true]]);
  assert.equal(found[1]!.publishedSha256?.sha256, '2'.repeat(64));

  const http = readRecipe('hello-paks', RECIPE);
  assert.ok(spack.appliesTo(http));
  assert.deepEqual(spack.query(http), ['versions', '--new', 'hello-paks']);
  assert.deepEqual(spack.parse('  1.2.0\n  not a version!\n  ../../x\n==> Warning: x\n  1.3.0\n', http).map((c) => c.version.text), ['1.2.0', '1.3.0']);
});

test('rules: ignore (anchored), track a series, pre-releases only when allowed', () => {
  const c = (text: string, prerelease = false) => ({ version: v(text), prerelease, link: undefined });
  const all = [c('1.2.0'), c('1.3.0'), c('2.0.0'), c('2.1.0rc1', true), c('develop')];
  const rules = (value: unknown) => updateRulesSchema.parse(value);
  assert.equal(newestAllowed(all, v('1.1.0'), rules({}))?.version.text, '2.0.0');
  assert.equal(newestAllowed(all, v('1.1.0'), rules({ pre: true }))?.version.text, '2.1.0rc1');
  assert.equal(newestAllowed(all, v('1.1.0'), rules({}), true)?.version.text, '2.1.0rc1');
  assert.equal(newestAllowed(all, v('1.1.0'), rules({ track: '1.x' }))?.version.text, '1.3.0');
  assert.equal(newestAllowed(all, v('1.1.0'), rules({ ignore: ['2\\..*'] }))?.version.text, '1.3.0');
  assert.equal(newestAllowed(all, v('1.1.0'), rules({ ignore: ['3'] }))?.version.text, '2.0.0', 'anchored: 3 does not ignore 1.3.0');
  assert.equal(newestAllowed(all, v('2.0.0'), rules({})), undefined);
  assert.throws(() => rules({ ignore: ['('] }));
  assert.throws(() => rules({ track: 'latest' }));
  assert.throws(() => rules({ source: 'gitlab' }));
});

test("Spack's version_json listing is read as recorded (0.23 transcript 96)", async () => {
  const { parseVersionJson } = await import('../../src/upstream/spack-versions.js');
  const { readTranscript } = await import('../helpers/transcripts.js');
  const { stdout } = readTranscript('0.23', '96-list-version-json-repo-paksdemo');
  assert.deepEqual([...parseVersionJson(stdout)], [['greet-paks', ['1.0.0']], ['hello-paks', ['1.2.0', '1.1.0', '1.0.0']]]);
  assert.throws(() => parseVersionJson('[{"name": 1}]'));
});

test('a bad update rule in paks.yaml is one sentence naming the key and its line', async () => {
  const { parseRepoConfig } = await import('../../src/repo/config.js');
  const file = '/r/paks.yaml';
  assert.throws(() => parseRepoConfig('registry: ghcr.io/a/b\npackages:\n  foo:\n    update: {track: latest}\n', file), /^PaksError: \/r\/paks\.yaml line 4: packages\.foo\.update\.track must be a version series such as "1\.x" or "2\.4\.x", not "latest"\.$/);
  assert.throws(() => parseRepoConfig('registry: ghcr.io/a/b\npackages:\n  foo:\n    update:\n      ignore: ["("]\n', file), /line 5: packages\.foo\.update\.ignore\.0 must be a valid regular expression, not "\("\./);
  assert.throws(() => parseRepoConfig('registry: ghcr.io/a/b\npackages:\n  foo:\n    update: {sauce: pypi}\n', file), /packages\.foo\.update\.sauce is not a setting Paks knows/);
  const ok = parseRepoConfig('registry: ghcr.io/a/b\npackages:\n  foo:\n    update: {source: none}\n', file);
  assert.deepEqual(ok.packages.foo?.update, { source: 'none', ignore: [], pre: false });
});
