import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { packageInfoFor, parseSpackInfo } from '../../src/sbom/spack-info.js';
import { readFixture } from './fixtures.js';

test('reads the recorded `spack info greet-paks`', async () => {
  const info = parseSpackInfo(await readFixture('spack-info-greet-paks.txt'));
  assert.equal(info.name, 'greet-paks');
  assert.equal(info.packageClass, 'MakefilePackage');
  assert.equal(info.description, 'Tiny greeter (bin/greet-paks) that links libhellopaks from hello-paks.');
  assert.equal(info.homepage, 'https://example.com/greet-paks');
  assert.deepEqual(info.preferredVersion, { version: '1.0.0', url: 'file://$SRC/greet-paks-1.0.0.tar.gz' });
  assert.deepEqual(info.safeVersions, [{ version: '1.0.0', url: 'file://$SRC/greet-paks-1.0.0.tar.gz' }]);
  assert.deepEqual(info.deprecatedVersions, []);
  assert.deepEqual(info.variants, [{ name: 'build_system', default: 'makefile', values: 'makefile', description: 'Build systems supported by the package' }]);
  assert.deepEqual(info.dependencies, { build: ['gmake', 'hello-paks'], link: ['hello-paks'], run: [] });
  assert.deepEqual(info.licenses, ['MIT']);
  assert.deepEqual(packageInfoFor(info, '1.0.0'), {
    homepage: 'https://example.com/greet-paks',
    url: 'file://$SRC/greet-paks-1.0.0.tar.gz',
    license: 'MIT',
  });
  assert.deepEqual(packageInfoFor(info, '9.9'), { homepage: 'https://example.com/greet-paks', license: 'MIT' });
});

test('copes with several versions, wrapped dependency lists and several licences', () => {
  const text = [
    'CMakePackage:   thing',
    '',
    'Description:',
    '    A thing that does',
    '    several things.',
    '',
    'Homepage: https://thing.example',
    '',
    'Preferred version:  ',
    '    2.0    https://thing.example/thing-2.0.tar.gz',
    '',
    'Safe versions:  ',
    '    2.0    https://thing.example/thing-2.0.tar.gz',
    '    1.9    https://thing.example/thing-1.9.tar.gz',
    '',
    'Deprecated versions:  ',
    '    1.0    https://thing.example/old/thing-1.0.tgz',
    '',
    'Variants:',
    '    build_type [Release]    Debug, Release',
    '        CMake build type',
    '    shared [true]           false, true',
    '        Build shared libraries',
    '',
    'Build Dependencies:',
    '    cmake  gmake  ninja',
    '    zlib',
    '',
    'Link Dependencies:',
    '    zlib',
    '',
    'Run Dependencies:',
    '    None',
    '',
    'Licenses: ',
    '    Apache-2.0',
    '    MIT',
    '',
  ].join('\n');
  const info = parseSpackInfo(text);
  assert.equal(info.description, 'A thing that does several things.');
  assert.deepEqual(info.dependencies.build, ['cmake', 'gmake', 'ninja', 'zlib']);
  assert.equal(info.variants[1]!.name, 'shared');
  assert.equal(info.variants[1]!.default, 'true');
  assert.deepEqual(packageInfoFor(info, '1.0'), { homepage: 'https://thing.example', url: 'https://thing.example/old/thing-1.0.tgz' });
  assert.throws(() => parseSpackInfo('==> Error: Package zzz not found.'), (e: unknown) => e instanceof PaksError && /not the output of `spack info`/.test(e.message));
});
