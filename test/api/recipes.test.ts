import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectRecipes, createInfoCache, parseVersionJson, recipeDetailsFromInfo } from '../../src/api/recipes.js';
import { openRepository } from '../../src/repository/source.js';
import { SpackRunner, type SpackRunOptions } from '../../src/spack/runner.js';
import { temporaryDirectory } from '../helpers/cli.js';
import { createSpackRoot, runSpack, testSpack } from '../helpers/spack.js';
import { readTranscriptFile } from '../helpers/transcripts.js';


const stdoutOf = (file: string): string => readTranscriptFile(file).stdout;

test('spack list --format version_json as Spack 0.23 and 1.1 print it', () => {
  const old = parseVersionJson(stdoutOf('spack/transcripts/96-list-version-json-repo-paksdemo.txt'));
  assert.deepEqual(old.map((e) => [e.name, e.latest_version, e.versions]), [['greet-paks', '1.0.0', ['1.0.0']], ['hello-paks', '1.2.0', ['1.2.0', '1.1.0', '1.0.0']]]);
  assert.deepEqual(old[0]!.dependencies, { build: ['gmake', 'hello-paks'], link: ['hello-paks'], run: [], test: [] });
  const newer = parseVersionJson(stdoutOf('api/spack-1.1/96-list-version-json-repo-paksdemo.txt'));
  assert.deepEqual(newer[1]!.dependencies.build, ['gmake', 'c']);
  assert.equal(parseVersionJson(stdoutOf('api/spack-1.1/95-list-version-json-hello.txt'))[0]!.homepage, 'https://example.com/hello-paks');
  assert.throws(() => parseVersionJson('[{"name": "x"}]'), /not in the expected form \(0\.latest_version/);
  assert.throws(() => parseVersionJson('==> Error: oops'), /is not JSON/);
});

test('spack info --tests: description, licences, variants and stand-alone tests (0.23 and 1.1)', () => {
  const withTests = recipeDetailsFromInfo(stdoutOf('spack/transcripts/100-info-tests-greet-paks.txt'));
  assert.deepEqual(withTests, {
    description: 'Tiny greeter (bin/greet-paks) that links libhellopaks from hello-paks.',
    licenses: ['MIT'],
    variants: [{ name: 'build_system', default: 'makefile', values: 'makefile', description: 'Build systems supported by the package' }],
    standaloneTests: ['GreetPaks.test_run'],
  });
  assert.deepEqual(recipeDetailsFromInfo(stdoutOf('spack/transcripts/98-info-tests-greet-paks-no-tests.txt')).standaloneTests, []);
  const newer = recipeDetailsFromInfo(stdoutOf('api/spack-1.1/97-info-hello-paks.txt'));
  assert.equal(newer.description, 'Tiny hello-world C program (bin/hello-paks) and library (libhellopaks.so).');
  assert.deepEqual(newer.licenses, ['MIT']);
  assert.deepEqual(newer.variants.map((v) => v.name), ['build_system']);
});

test('the stand-in prints version_json as transcript 96 does, and recipes are read once per content', async (t) => {
  const dir = await temporaryDirectory(t);
  const root = await createSpackRoot(join(dir, 'root'));
  const listed = runSpack(root, ['list', '--format', 'version_json', '-r', 'paksdemo']);
  assert.equal(listed.code, 0, listed.stderr);
  const greet = (text: string) => text.slice(text.indexOf('  {"name": "greet-paks"'), text.indexOf('},\n') + 1);
  assert.equal(greet(listed.stdout), greet(stdoutOf(testSpack.series === '1.1' ? 'api/spack-1.1/96-list-version-json-repo-paksdemo.txt' : 'spack/transcripts/96-list-version-json-repo-paksdemo.txt')));

  const calls: string[] = [];
  class CountingRunner extends SpackRunner {
    override withScope(scope: string): SpackRunner {
      const inner = super.withScope(scope);
      return Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
        run: (args: readonly string[], options?: SpackRunOptions) => {
          calls.push(args[0]!);
          return inner.run(args, options);
        },
      }) as SpackRunner;
    }
  }
  const spack = new CountingRunner({ root: root.root, executable: root.bin, source: 'flag' }, { env: { ...process.env, ...root.env } });
  const repository = await openRepository(root.paksdemoRepo!, { cloneDir: join(dir, 'clones') });
  const cache = createInfoCache();
  const first = await collectRecipes({ spack, repository, cache });
  assert.deepEqual(first.map((r) => r.name), ['greet-paks', 'hello-paks']);
  assert.deepEqual(first[1]!.versions, ['1.1.0', '1.0.0']);
  assert.deepEqual(calls.sort(), ['info', 'info', 'list']);
  calls.length = 0;
  const second = await collectRecipes({ spack, repository, cache });
  assert.deepEqual(second, first);
  assert.deepEqual(calls, ['list']);
});
