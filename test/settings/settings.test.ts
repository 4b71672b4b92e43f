import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSettings } from '../../src/settings/load.js';
import { addToSetting, removeFromSetting, setSettings } from '../../src/settings/edit.js';
import { PaksError } from '../../src/errors.js';
import { ALIAS_BOMB } from '../helpers/alias-bomb.js';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';

test('the user file overrides the shipped defaults key by key, env overrides both', async (t) => {
  const home = await temporaryDirectory(t);
  await mkdir(join(home, '.paks'));
  await writeFile(join(home, '.paks', 'settings.yml'), 'default_tag: main\nregistry_concurrency: 8\n');
  const loaded = await loadSettings({ home, env: { PAKS_REGISTRY_CONCURRENCY: '2', PAKS_UNSIGNED_REGISTRIES: 'a.io/x, b.io/y' } });
  assert.equal(loaded.values.default_tag, 'main');
  assert.equal(loaded.sources.default_tag, 'user');
  assert.equal(loaded.values.registry_concurrency, 2);
  assert.equal(loaded.sources.registry_concurrency, 'env');
  assert.deepEqual(loaded.values.unsigned_registries, ['a.io/x', 'b.io/y']);
  assert.equal(loaded.values.trusted_packages_registry, 'ghcr.io/pakages');
  assert.equal(loaded.sources.trusted_packages_registry, 'default');
});

test('broken YAML, wrong types and unknown keys are one sentence naming file and key', async (t) => {
  const home = await temporaryDirectory(t);
  const file = join(home, 'custom.yml');
  await writeFile(file, 'default_tag: [unclosed\n');
  await assert.rejects(loadSettings({ home, env: {}, settingsFile: file }), (e: PaksError) => e.kind === 'settings' && e.message.includes(file) && /not valid YAML/.test(e.message));
  await writeFile(file, 'registry_concurrency: lots\n');
  await assert.rejects(loadSettings({ home, env: {}, settingsFile: file }), (e: PaksError) => e.message.includes('registry_concurrency must be a whole number') && e.exitCode === 2);
  await writeFile(file, 'trusted_pull_registry: [x]\n');
  await assert.rejects(loadSettings({ home, env: {}, settingsFile: file }), (e: PaksError) => /did you mean 'trusted_pull_registries'/.test(e.message));
  await assert.rejects(loadSettings({ home, env: { PAKS_REGISTRY_CONCURRENCY: '0' } }), (e: PaksError) => e.message.startsWith('PAKS_REGISTRY_CONCURRENCY: registry_concurrency'));
});

test('set keeps comments, types values, and refuses a bad value without touching the file', async (t) => {
  const home = await temporaryDirectory(t);
  const file = join(home, 'settings.yml');
  await writeFile(file, '# my comment\ndefault_tag: latest # trailing\n');
  await setSettings(file, [{ key: 'registry_concurrency', value: '6' }, { key: 'username', value: 'null' }, { key: 'email', value: 'me@example.com' }]);
  const text = await readFile(file, 'utf8');
  assert.match(text, /# my comment/);
  assert.match(text, /# trailing/);
  assert.match(text, /registry_concurrency: 6/);
  await assert.rejects(setSettings(file, [{ key: 'default_tag', value: 'ok' }, { key: 'registry_concurrency', value: 'many' }]), PaksError);
  assert.equal(await readFile(file, 'utf8'), text, 'nothing written when one value is bad');
  await addToSetting(file, 'trusted_pull_registries', 'ghcr.io/me', ['ghcr.io/pakages']);
  const loaded = await loadSettings({ home, env: {}, settingsFile: file });
  assert.deepEqual(loaded.values.trusted_pull_registries, ['ghcr.io/pakages', 'ghcr.io/me']);
  await removeFromSetting(file, 'trusted_pull_registries', 'ghcr.io/pakages', []);
  assert.deepEqual((await loadSettings({ home, env: {}, settingsFile: file })).values.trusted_pull_registries, ['ghcr.io/me']);
  await assert.rejects(removeFromSetting(file, 'trusted_pull_registries', 'nope', []), /does not contain 'nope'/);
  await assert.rejects(addToSetting(file, 'default_tag', 'x', []), /not a list/);
});

test('paks config init, set, get, list, path as a user runs them', async (t) => {
  const home = await temporaryDirectory(t);
  const init = await runPaks(['config', 'init'], { home });
  assert.equal(init.exitCode, 0, init.stderr);
  assert.equal(init.stdout.trim(), join(home, '.paks', 'settings.yml'));
  const again = await runPaks(['config', 'init'], { home });
  assert.equal(again.exitCode, 1);
  assert.match(again.stderr, /already exists/);
  assert.match(again.stderr, /--force/);
  const set = await runPaks(['config', 'set', 'default_tag:main', 'registry_concurrency:3'], { home });
  assert.equal(set.stdout, 'Updated default_tag to be main\nUpdated registry_concurrency to be 3\n');
  assert.equal((await runPaks(['config', 'get', 'default_tag'], { home })).stdout, 'main\n');
  const text = await readFile(join(home, '.paks', 'settings.yml'), 'utf8');
  assert.match(text, /# Paks settings/, 'the commented defaults survive a set');
  const list = JSON.parse((await runPaks(['config', 'list', '--json'], { home, env: { PAKS_EMAIL: 'ci@example.com' } })).stdout);
  assert.deepEqual(list.settings.default_tag, { value: 'main', source: 'user' });
  assert.deepEqual(list.settings.email, { value: 'ci@example.com', source: 'env' });
  const unknown = await runPaks(['config', 'set', 'defualt_tag:x'], { home });
  assert.equal(unknown.exitCode, 2);
  assert.equal(unknown.stderr.split('\n')[0], "Error: 'defualt_tag' is not a Paks setting; did you mean 'default_tag'?");
  const bad = await runPaks(['config', 'set', 'nocolon'], { home });
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /not of the form key:value/);
  const other = join(home, 'other.yml');
  const viaFlag = await runPaks(['--settings-file', other, 'config', 'set', 'default_tag:x'], { home });
  assert.equal(viaFlag.exitCode, 0, viaFlag.stderr);
  assert.equal((await runPaks(['config', 'get', 'default_tag'], { home, env: { PAKS_SETTINGS_FILE: other } })).stdout, 'x\n');
  assert.equal((await runPaks(['config', 'path'], { home, env: { PAKS_SETTINGS_FILE: other } })).stdout.trim(), other);
});

test('a broken settings file is reported with exit code 2 and no stack trace', async (t) => {
  const home = await temporaryDirectory(t);
  await mkdir(join(home, '.paks'));
  await writeFile(join(home, '.paks', 'settings.yml'), 'default_tag: latest\n  bad: indent\n');
  const result = await runPaks(['config', 'list'], { home });
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /settings\.yml is not valid YAML/);
  assert.doesNotMatch(result.stderr, /at .*\.js:\d+/);
  const debug = await runPaks(['--debug', 'config', 'list'], { home });
  assert.match(debug.stderr, /at .*\.js:\d+/, '--debug shows the stack');
});

test('two concurrent config set runs both land and the file stays valid', async (t) => {
  const home = await temporaryDirectory(t);
  await runPaks(['config', 'init'], { home });
  const runs = await Promise.all([
    runPaks(['config', 'set', 'default_tag:one'], { home }),
    runPaks(['config', 'set', 'registry_concurrency:9'], { home }),
    runPaks(['config', 'add', 'trusted_pull_registries:ghcr.io/a'], { home }),
    runPaks(['config', 'add', 'trusted_pull_registries:ghcr.io/b'], { home }),
  ]);
  for (const run of runs) assert.equal(run.exitCode, 0, run.stderr);
  const loaded = await loadSettings({ home, env: {} });
  assert.equal(loaded.values.default_tag, 'one');
  assert.equal(loaded.values.registry_concurrency, 9);
  assert.deepEqual([...loaded.values.trusted_pull_registries].sort(), ['ghcr.io/a', 'ghcr.io/b', 'ghcr.io/pakages']);
});

test('a read-only home gets one clear sentence and nothing half-written', async (t) => {
  const home = await temporaryDirectory(t);
  await chmod(home, 0o555);
  t.after(() => chmod(home, 0o755).catch(() => {}));
  // root ignores permissions, so run the CLI as an unprivileged user when we are root.
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const { execFile } = await import('node:child_process');
  const { PAKS_BIN, withNodeFirst } = await import('../helpers/cli.js');
  const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
    const [cmd, ...rest] = [...asUser, PAKS_BIN];
    execFile(cmd!, [...rest, 'config', 'set', 'default_tag:x'], { env: { PATH: withNodeFirst(process.env.PATH), HOME: home, CI: 'true' } }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^Error: Cannot write .*settings\.yml: permission denied\./);
  assert.match(result.stderr, /--settings-file/);
});

test('config edit saves a valid edit and keeps the file when the edit is broken', async (t) => {
  const home = await temporaryDirectory(t);
  await runPaks(['config', 'init'], { home });
  const editor = join(home, 'editor.sh');
  await writeFile(editor, '#!/bin/sh\nsed -i "s/^$EDIT_KEY:.*/$EDIT_KEY: $EDIT_VALUE/" "$1"\n');
  await chmod(editor, 0o755);
  const good = await runPaks(['config', 'edit'], { home, env: { EDITOR: editor, EDIT_KEY: 'default_tag', EDIT_VALUE: 'edited' } });
  assert.equal(good.exitCode, 0, good.stderr);
  assert.equal((await runPaks(['config', 'get', 'default_tag'], { home })).stdout, 'edited\n');
  const before = await readFile(join(home, '.paks', 'settings.yml'), 'utf8');
  const bad = await runPaks(['config', 'edit'], { home, env: { EDITOR: editor, EDIT_KEY: 'registry_concurrency', EDIT_VALUE: 'lots' } });
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /registry_concurrency must be a whole number/);
  assert.equal(await readFile(join(home, '.paks', 'settings.yml'), 'utf8'), before);
  const none = await runPaks(['config', 'edit'], { home, env: { EDITOR: undefined, VISUAL: undefined } });
  assert.equal(none.exitCode, 2);
  assert.match(none.stderr, /No editor is configured/);
});

test('unchanged settings come back from the snapshot; an edit, a touch or a changed variable reads the files again', async (t) => {
  const home = await temporaryDirectory(t);
  await mkdir(join(home, '.paks'));
  const file = join(home, '.paks', 'settings.yml');
  await writeFile(file, 'default_tag: main\n');
  const env = { PAKS_REGISTRY_CONCURRENCY: '2', PAKS_REGISTRY_PASSWORD: 'hunter2-secret' };
  const first = await loadSettings({ home, env });
  const snapshot = join(home, '.cache', 'paks', 'settings.json');
  const stored = await readFile(snapshot, 'utf8');
  assert.doesNotMatch(stored, /hunter2-secret/, 'variables that are not settings are never written down');
  assert.deepEqual(await loadSettings({ home, env }), first);
  // The snapshot answers only under its own key: one written for other files is not taken.
  const forged = JSON.parse(stored) as { settings: { values: Record<string, unknown> } };
  forged.settings.values.default_tag = 'forged';
  await writeFile(snapshot, JSON.stringify(forged));
  assert.equal((await loadSettings({ home, env })).values.default_tag, 'forged', 'the snapshot is what an unchanged run reads');
  await chmod(snapshot, 0o666);
  assert.equal((await loadSettings({ home, env })).values.default_tag, 'main', 'a snapshot others could write is not trusted');
  await writeFile(file, 'default_tag: mast\n'); // same size, new content
  assert.equal((await loadSettings({ home, env })).values.default_tag, 'mast');
  const changed = await loadSettings({ home, env: { ...env, PAKS_REGISTRY_CONCURRENCY: '3' } });
  assert.equal(changed.values.registry_concurrency, 3);
  assert.equal(changed.sources.registry_concurrency, 'env');
  await writeFile(snapshot, '{ not json');
  assert.equal((await loadSettings({ home, env })).values.default_tag, 'mast', 'an unreadable snapshot is read past');
  await writeFile(file, 'default_tag: [broken\n');
  await assert.rejects(loadSettings({ home, env }), /not valid YAML/, 'a broken file is an error every time, never remembered');
  await assert.rejects(loadSettings({ home, env }), /not valid YAML/);
});

test('XDG_CACHE_HOME decides where the snapshot lives', async (t) => {
  const home = await temporaryDirectory(t);
  const cache = join(home, 'elsewhere');
  await loadSettings({ home, env: { XDG_CACHE_HOME: cache } });
  assert.ok(JSON.parse(await readFile(join(cache, 'paks', 'settings.json'), 'utf8')).settings.values.cache_dir);
});

test('config set and config init --force write through a symlinked settings.yml (a dotfile): the link stays', async (t) => {
  const home = await temporaryDirectory(t);
  const dotfile = join(home, 'dotfiles', 'paks.yml');
  await mkdir(join(home, 'dotfiles'));
  await mkdir(join(home, '.paks'));
  await writeFile(dotfile, 'default_tag: latest\n');
  await symlink('../dotfiles/paks.yml', join(home, '.paks', 'settings.yml'));
  const set = await runPaks(['config', 'set', 'default_tag:main'], { home });
  assert.equal(set.exitCode, 0, set.stderr);
  assert.ok((await lstat(join(home, '.paks', 'settings.yml'))).isSymbolicLink(), 'the link stays a link');
  assert.equal(await readFile(dotfile, 'utf8'), 'default_tag: main\n', 'the dotfile gets the new value');
  const reset = await runPaks(['config', 'init', '--force'], { home });
  assert.equal(reset.exitCode, 0, reset.stderr);
  assert.ok((await lstat(join(home, '.paks', 'settings.yml'))).isSymbolicLink());
  assert.match(await readFile(dotfile, 'utf8'), /# Paks settings/);
  // A dangling link is written through: the dotfile it names is created.
  const other = join(home, 'other');
  await mkdir(other);
  await symlink('../dotfiles/new.yml', join(other, 'settings.yml'));
  const dangling = await runPaks(['--settings-file', join(other, 'settings.yml'), 'config', 'set', 'default_tag:x'], { home });
  assert.equal(dangling.exitCode, 0, dangling.stderr);
  assert.ok((await lstat(join(other, 'settings.yml'))).isSymbolicLink());
  assert.match(await readFile(join(home, 'dotfiles', 'new.yml'), 'utf8'), /^default_tag: x$/m);
});

test('an alias bomb or an alias without anchor in settings.yml is one sentence with file and line, exit 2, also for config set', async (t) => {
  const home = await temporaryDirectory(t);
  await mkdir(join(home, '.paks'));
  const file = join(home, '.paks', 'settings.yml');
  await writeFile(file, `default_tag: latest\n${ALIAS_BOMB}`);
  for (const args of [['config', 'list'], ['config', 'set', 'default_tag:main']]) {
    const result = await runPaks(args, { home });
    assert.equal(result.exitCode, 2, result.stderr);
    assert.equal(result.stderr.split('\n')[0], `Error: ${file} is not valid YAML (line 3): its aliases (from *a) expand into too much data, as an alias bomb does, so Paks does not read it.`);
    assert.doesNotMatch(result.stderr, /bug in Paks/);
  }
  assert.match(await readFile(file, 'utf8'), /^default_tag: latest$/m, 'the file is left as it was');
  await writeFile(file, 'default_tag: latest\ntrusted_keys: *keys\n');
  await assert.rejects(loadSettings({ home, env: {} }), (e: PaksError) => e.exitCode === 2 && e.message === `${file} is not valid YAML (line 2): the alias *keys has no anchor &keys before it.`);
});
