import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildCacheOf, buildPlatforms, findRepository, loadRepoConfig, packageSettings, releaseTag } from '../../src/repo/config.js';
import { PaksError } from '../../src/errors.js';
import { ALIAS_BOMB } from '../helpers/alias-bomb.js';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';

test('paks.yaml: defaults fill what is not written, packages override per package', async (t) => {
  const root = await temporaryDirectory(t);
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\npackages:\n  greet-paks:\n    tests: all\n  hello-paks:\n');
  const config = await loadRepoConfig(root);
  assert.deepEqual(config.platforms, ['ubuntu-22.04', 'ubuntu-24.04']);
  assert.equal(config.tests, 'root');
  assert.equal(config.signing.public_key, 'keys/publisher.asc');
  assert.equal(packageSettings(config, 'greet-paks').tests, 'all');
  assert.equal(packageSettings(config, 'hello-paks').tests, 'root');
  assert.deepEqual(packageSettings(config, 'other').platforms, ['ubuntu-22.04', 'ubuntu-24.04']);
  assert.equal(releaseTag(config, 'greet-paks', '1.0.0'), 'greet-paks-v1.0.0');
  assert.throws(() => releaseTag(config, 'greet-paks', '1.0 beta'), (e: PaksError) => e.exitCode === 2 && /is not a tag git accepts: it contains a space\.$/.test(e.message));
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\nrelease:\n  tag: "{package}/v{version}"\n');
  assert.equal(releaseTag(await loadRepoConfig(root), 'greet-paks', '1.0.0'), 'greet-paks/v1.0.0');
});

test("paks.yaml: the build cache of dependencies is <registry>/spack-buildcache, another place, or none", async (t) => {
  const root = await temporaryDirectory(t);
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\n');
  assert.equal(buildCacheOf(await loadRepoConfig(root)), 'ghcr.io/org/pkgs/spack-buildcache');
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\nbuild_cache: ghcr.io/org/ci-cache\n');
  assert.equal(buildCacheOf(await loadRepoConfig(root)), 'ghcr.io/org/ci-cache');
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\nbuild_cache: false\n');
  assert.equal(buildCacheOf(await loadRepoConfig(root)), undefined);
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\nbuild_cache: ghcr.io/Org/Cache\n');
  await assert.rejects(loadRepoConfig(root), (e: PaksError) => e.exitCode === 2 && /build_cache/.test(e.message));
});

test('paks.yaml: a repository-wide container, overridden or switched off per package', async (t) => {
  const root = await temporaryDirectory(t);
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\ncontainer:\n  base_image: ghcr.io/org/base:1\npackages:\n  a:\n    container:\n      base_image: ghcr.io/org/other:2\n      entrypoint: /bin/a\n  b:\n    container: null\n');
  const config = await loadRepoConfig(root);
  assert.deepEqual(packageSettings(config, 'a').container, { base_image: 'ghcr.io/org/other:2', entrypoint: '/bin/a' });
  assert.equal(packageSettings(config, 'b').container, undefined);
  assert.deepEqual(packageSettings(config, 'c').container, { base_image: 'ghcr.io/org/base:1' });
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\ncontainer:\n  base: x\n');
  await assert.rejects(loadRepoConfig(root), (e: PaksError) => e.exitCode === 2 && /container/.test(e.message));
});

test('findRepository walks up from a folder inside, or takes --repo', async (t) => {
  const root = await temporaryDirectory(t);
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\n');
  await mkdir(join(root, 'packages', 'x'), { recursive: true });
  assert.equal(await findRepository(join(root, 'packages', 'x')), root);
  assert.equal(await findRepository('/', root), root);
  const elsewhere = await temporaryDirectory(t);
  await assert.rejects(findRepository(elsewhere), (e: PaksError) => e.exitCode === 2 && /not inside a Paks package repository/.test(e.message));
  await assert.rejects(findRepository(elsewhere, 'missing'), (e: PaksError) => e.exitCode === 2 && /--repo missing does not exist/.test(e.message));
});

test('a broken paks.yaml is one sentence naming the key and its line, exit 2', async (t) => {
  const root = await temporaryDirectory(t);
  const cases: Array<[string, RegExp]> = [
    ['registry: ghcr.io/org/pkgs\ntests: sometimes\n', /line 2: tests must be one of root, all, none, not "sometimes"/],
    ['registry: ghcr.io/org/pkgs\nplatforms:\n  - ubuntu-24.04\n  - 12\n', /line 4: platforms\.1 must be a runner name \(e\.g\. ubuntu-24\.04\) or a platform with name, runner and image, not 12/],
    ['registry: ghcr.io/org/pkgs\npackages:\n  greet-paks:\n    tset: all\n', /line 4: packages\.greet-paks\.tset is not a setting Paks knows/],
    ['platforms: [ubuntu-24.04]\n', /registry is required/],
    ['registry: [unclosed\n', /not valid YAML \(line \d\)/],
    [`registry: ghcr.io/org/pkgs\n${ALIAS_BOMB}`, /paks\.yaml is not valid YAML \(line 3\): its aliases \(from \*a\) expand into too much data, as an alias bomb does, so Paks does not read it\.$/],
    ['registry: ghcr.io/org/pkgs\nplatforms: *nowhere\n', /paks\.yaml is not valid YAML \(line 2\): the alias \*nowhere has no anchor &nowhere before it\.$/],
    ['registry: ghcr.io/org/pkgs\nrelease:\n  tag: v{version}\n', /line 3: release\.tag must be a tag pattern that contains \{package\}/],
    ['registry: ghcr.io/org/pkgs\nrelease:\n  tag: "{package} {version}"\n', /line 3: release\.tag must be a pattern whose tags git accepts \("zlib 1\.3\.1" contains a space\), not "\{package\} \{version\}"\.$/],
    ['registry: ghcr.io/org/pkgs\nrelease:\n  tag: "{package}~{version}"\n', /release\.tag must be a pattern whose tags git accepts \("zlib~1\.3\.1" contains '~'\)/],
    ['registry: ghcr.io/org/pkgs\nrelease:\n  tag: "{package}..{version}"\n', /release\.tag must be a pattern whose tags git accepts \("zlib\.\.1\.3\.1" contains '\.\.'\)/],
    ['registry: ghcr.io/org/pkgs\nrelease:\n  tag: "{package}:{version}"\n', /contains ':'/],
    ['registry: ghcr.io/org/pkgs\nrelease:\n  tag: "{package}/{version}.lock"\n', /ends with '\.lock'/],
    ['registry: ghcr.io/org/pkgs\nrelease:\n  tag: ".{package}-{version}"\n', /begins with '\.'/],
    ['registry: ghcr.io/org/pkgs\nrelease:\n  tag: "{package}@{{version}"\n', /contains '@\{'/],
  ];
  for (const [text, expected] of cases) {
    await writeFile(join(root, 'paks.yaml'), text);
    await assert.rejects(loadRepoConfig(root), (e: PaksError) => {
      assert.match(e.message, expected);
      assert.equal(e.exitCode, 2);
      assert.ok(!e.message.includes('\n'), e.message);
      return true;
    });
  }
});

test('an alias bomb in paks.yaml is one sentence with file and line from the command line, exit 2', async (t) => {
  const home = await temporaryDirectory(t);
  await writeFile(join(home, 'paks.yaml'), `registry: ghcr.io/org/pkgs\n${ALIAS_BOMB}`);
  const result = await runPaks(['repo', 'build', 'zlib'], { home, cwd: home });
  assert.equal(result.exitCode, 2, result.stderr);
  assert.match(result.stderr, /^Error: \S*paks\.yaml is not valid YAML \(line 3\): .*alias bomb/);
  assert.doesNotMatch(result.stderr, /bug in Paks/);
});

test('paks.yaml: a platform is a runner alone (the old form) or a runner and its build image', async (t) => {
  const root = await temporaryDirectory(t);
  await writeFile(
    join(root, 'paks.yaml'),
    'registry: ghcr.io/org/pkgs\nplatforms:\n  - name: x86_64-glibc2.28\n    runner: ubuntu-24.04\n    image: quay.io/pypa/manylinux_2_28_x86_64\n  - macos-14\npackages:\n  a:\n    platforms: [x86_64-glibc2.28]\n  b:\n    platforms: [ubuntu-22.04]\n',
  );
  const config = await loadRepoConfig(root);
  assert.deepEqual(buildPlatforms(config, 'other'), [
    { name: 'x86_64-glibc2.28', runner: 'ubuntu-24.04', image: 'quay.io/pypa/manylinux_2_28_x86_64' },
    { name: 'macos-14', runner: 'macos-14', image: '' },
  ]);
  // A package names a repository platform by its name, or a runner of its own.
  assert.deepEqual(buildPlatforms(config, 'a'), [{ name: 'x86_64-glibc2.28', runner: 'ubuntu-24.04', image: 'quay.io/pypa/manylinux_2_28_x86_64' }]);
  assert.deepEqual(buildPlatforms(config, 'b'), [{ name: 'ubuntu-22.04', runner: 'ubuntu-22.04', image: '' }]);
  await writeFile(join(root, 'paks.yaml'), 'registry: ghcr.io/org/pkgs\nplatforms:\n  - name: x\n    image: quay.io/a/b\n');
  await assert.rejects(loadRepoConfig(root), (e: PaksError) => e.exitCode === 2 && /platforms\.0/.test(e.message));
});
