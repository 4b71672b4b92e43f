// A `paks build` whose `spack buildcache push` fails leaves no temporary cache behind. The
// Spack here is a script replaying what Spack 1.1 printed (transcripts 46b, 10, 63).
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';

test('a failed buildcache push removes the temporary build cache and says why', async (t) => {
  const dir = await temporaryDirectory(t);
  const root = join(dir, 'spack');
  const tmp = join(dir, 'tmp');
  const home = join(dir, 'home');
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(tmp);
  await mkdir(home);
  const prefix = `${root}/opt/spack/linux-zen2/greet-paks-1.0.0-2i36ouybuqlq746bmzdayrr4hle6batk`;
  await writeFile(join(root, 'bin', 'spack'), [
    '#!/bin/sh',
    'while [ "$1" = "-C" ]; do shift 2; done',
    'case "$1" in',
    '  --version) echo 1.1.0 ;;',
    // paks build asks which CPU it runs on to choose the target family (transcript 14's host).
    '  arch) echo linux-debian12-zen2 ;;',
    `  install) echo "[+] ${prefix}" ;;`,
    '  buildcache) echo "==> Error: package not installed" >&2; exit 1 ;;',
    '  *) exit 0 ;;',
    'esac',
    '',
  ].join('\n'));
  await chmod(join(root, 'bin', 'spack'), 0o755);
  const result = await runPaks(['build', '--unsigned', 'greet-paks'], { home, env: { SPACK_ROOT: root, TMPDIR: tmp } });
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /Spack could not make a build cache of greet-paks@1\.0\.0: package not installed\./);
  assert.deepEqual(await readdir(tmp), [], 'no paks-cache-* or paks-scope-* folder is left');
});
