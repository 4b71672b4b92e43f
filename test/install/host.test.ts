import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArch, requestedPackage } from '../../src/install/host.js';

test('requestedPackage finds the name and an exact version only', () => {
  assert.deepEqual(requestedPackage('zlib'), { name: 'zlib' });
  assert.deepEqual(requestedPackage('zlib@1.3.1+shared %gcc'), { name: 'zlib', version: '1.3.1' });
  assert.deepEqual(requestedPackage('zlib@=1.3.1'), { name: 'zlib', version: '1.3.1' });
  assert.deepEqual(requestedPackage('builtin.py-numpy@1.26.4'), { name: 'py-numpy', version: '1.26.4' });
  assert.deepEqual(requestedPackage('zlib@1.2:'), { name: 'zlib' });
  assert.deepEqual(requestedPackage('zlib@1.2,1.3'), { name: 'zlib' });
  assert.deepEqual(requestedPackage('hdf5 ^zlib@1.3'), { name: 'hdf5' });
  assert.throws(() => requestedPackage('@1.0'), /does not start with a package name/);
});

test('parseArch reads spack arch output', () => {
  assert.deepEqual(parseArch('linux-debian12-icelake'), { platform: 'linux', os: 'debian12', target: 'icelake' });
  assert.deepEqual(parseArch('linux-ubuntu22.04-x86_64_v3'), { platform: 'linux', os: 'ubuntu22.04', target: 'x86_64_v3' });
  assert.throws(() => parseArch('nonsense'), /not platform-os-target/);
});
