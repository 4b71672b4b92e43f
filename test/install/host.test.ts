import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArch } from '../../src/install/host.js';

test('parseArch reads spack arch output', () => {
  assert.deepEqual(parseArch('linux-debian12-icelake'), { platform: 'linux', os: 'debian12', target: 'icelake' });
  assert.deepEqual(parseArch('linux-ubuntu22.04-x86_64_v3'), { platform: 'linux', os: 'ubuntu22.04', target: 'x86_64_v3' });
  assert.throws(() => parseArch('nonsense'), /not platform-os-target/);
});
