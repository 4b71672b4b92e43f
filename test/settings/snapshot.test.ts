// The settings snapshot (src/settings/snapshot.ts): every input that can change the settings
// changes its key, and only a file this user wrote, in a folder only this user can write, is read.
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, readFile, rename, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSettings } from '../../src/settings/load.js';
import { snapshotKey } from '../../src/settings/snapshot.js';
import { temporaryDirectory } from '../helpers/cli.js';

test('each input of the settings changes the snapshot key', async (t) => {
  const dir = await temporaryDirectory(t);
  const shippedFile = join(dir, 'shipped.yml');
  const userFile = join(dir, 'user.yml');
  await writeFile(shippedFile, 'default_tag: latest\n');
  await writeFile(userFile, 'default_tag: main\n');
  const files = { shippedFile, userFile, userFileRequired: false };
  const env = { PAKS_DEFAULT_TAG: 'x' };
  const key = () => snapshotKey(files, env);
  const changes: Array<[string, () => Promise<unknown> | unknown]> = [
    ['the shipped file', () => writeFile(shippedFile, 'default_tag: other\n')],
    ['the user file, same size', () => writeFile(userFile, 'default_tag: mast\n')],
    ['a touch of the user file', () => utimes(userFile, new Date(), new Date(Date.now() + 5000))],
    ['the user file replaced by another', async () => {
      await writeFile(`${userFile}.new`, 'default_tag: mast\n');
      await rename(`${userFile}.new`, userFile);
    }],
    ['another user file', () => (files.userFile = join(dir, 'elsewhere.yml'))],
    ['whether the user file must exist', () => (files.userFileRequired = true)],
    ['a PAKS_<SETTING> variable', () => (env.PAKS_DEFAULT_TAG = 'y')],
    ['a new PAKS_<SETTING> variable', () => Object.assign(env, { PAKS_REGISTRY_CONCURRENCY: '3' })],
  ];
  for (const [what, change] of changes) {
    const before = key();
    await change();
    assert.notEqual(key(), before, `${what} changes the key`);
  }
  // Names the Paks that read them: its version and the file of its code.
  assert.match(key(), /snapshot\.(ts|js)/);
  // Variables that are not settings are not part of it (and so never written down).
  const before = key();
  Object.assign(env, { PAKS_REGISTRY_PASSWORD: 'hunter2' });
  assert.equal(key(), before);
});

test("a snapshot is read only when this user wrote it, in a folder only this user can write", async (t) => {
  const home = await temporaryDirectory(t);
  await mkdir(join(home, '.paks'));
  await writeFile(join(home, '.paks', 'settings.yml'), 'default_tag: main\n');
  const env = {};
  await loadSettings({ home, env });
  const folder = join(home, '.cache', 'paks');
  const snapshot = join(folder, 'settings.json');
  assert.equal((await import('node:fs')).statSync(folder).mode & 0o777, 0o700, 'the cache folder is this user\'s alone');
  // A forged snapshot under the right key shows what a trusted one would answer.
  const forged = JSON.parse(await readFile(snapshot, 'utf8')) as { settings: { values: Record<string, unknown> } };
  forged.settings.values.default_tag = 'forged';
  const forge = async () => {
    await writeFile(snapshot, JSON.stringify(forged), { mode: 0o600 });
    await chmod(snapshot, 0o600);
    await chmod(folder, 0o700);
  };
  await forge();
  assert.equal((await loadSettings({ home, env })).values.default_tag, 'forged', 'an own snapshot is read');

  await chmod(folder, 0o770);
  assert.equal((await loadSettings({ home, env })).values.default_tag, 'main', 'a folder others can write is not trusted');

  await forge();
  await rename(snapshot, join(home, 'elsewhere.json'));
  await symlink(join(home, 'elsewhere.json'), snapshot);
  assert.equal((await loadSettings({ home, env })).values.default_tag, 'main', 'a symbolic link is not followed');

  if (process.getuid?.() === 0) {
    // Another user's file (root can make one): never trusted, even with a safe mode.
    await forge();
    await chown(snapshot, 65534, 65534);
    assert.equal((await loadSettings({ home, env })).values.default_tag, 'main', "another user's snapshot is not trusted");
    await forge();
    await chown(folder, 65534, 65534);
    assert.equal((await loadSettings({ home, env })).values.default_tag, 'main', "a folder of another user is not trusted");
  } else {
    t.diagnostic('not root: the other-user cases need chown');
  }
});
