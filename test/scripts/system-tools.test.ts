import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { aptInstallLine, systemTools } from '../../scripts/system-tools.mjs';
import { temporaryDirectory } from '../helpers/cli.js';

const script = fileURLToPath(new URL('../../scripts/install-system-tools.mjs', import.meta.url));
const asNobody = process.getuid?.() === 0 ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];

test('one list: each tool has a command, a Debian package, a purpose and who needs it', () => {
  assert.ok(systemTools.length > 0);
  for (const tool of systemTools) {
    assert.match(tool.command, /^[\w.+-]+$/);
    assert.match(tool.debianPackage, /^[a-z0-9][a-z0-9.+-]+$/);
    assert.ok(tool.usedFor.length > 0);
    assert.ok(tool.neededBy === 'paks' || tool.neededBy === 'tests');
  }
  assert.deepEqual(
    systemTools.filter((tool) => tool.neededBy === 'paks').map((tool) => tool.command),
    ['git', 'gpg'],
  );
});

test('with every tool on PATH, the pretest step says nothing', () => {
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
});

test('without root, missing tools stop the tests with the one apt-get line that installs them', async (t) => {
  const bin = await temporaryDirectory(t);
  await chmod(bin, 0o755);
  await symlink('/usr/bin/apt-get', join(bin, 'apt-get'));
  await symlink(process.execPath, join(bin, 'node'));
  const run = spawnSync(asNobody[0] ?? process.execPath, [...asNobody.slice(1), ...(asNobody.length ? [process.execPath] : []), script], {
    env: { PATH: bin },
    encoding: 'utf8',
  });
  assert.equal(run.status, 1);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  const packages = [...new Set(systemTools.map((tool) => tool.debianPackage))];
  assert.ok(lines[0]!.endsWith(`install them with: ${aptInstallLine(packages)}`), lines[0]);
  assert.match(lines[0]!, /^The tests need git, gpg, docker-registry, .* which are not on PATH;/);
});
