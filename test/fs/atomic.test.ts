import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { followLinks, writeFileAtomic } from '../../src/fs/atomic.js';
import { temporaryDirectory } from '../helpers/cli.js';

test('a write through a symbolic link (or a chain of them) replaces the target and keeps the link', async (t) => {
  const dir = await temporaryDirectory(t);
  await mkdir(join(dir, 'dotfiles'));
  const target = join(dir, 'dotfiles', 'settings.yml');
  await writeFile(target, 'old\n');
  await chmod(target, 0o600);
  await symlink('dotfiles/settings.yml', join(dir, 'middle'));
  await symlink(join(dir, 'middle'), join(dir, 'settings.yml'));
  await writeFileAtomic(join(dir, 'settings.yml'), 'new\n');
  assert.ok((await lstat(join(dir, 'settings.yml'))).isSymbolicLink(), 'the link stays a link');
  assert.equal(await readlink(join(dir, 'settings.yml')), join(dir, 'middle'));
  assert.ok((await lstat(join(dir, 'middle'))).isSymbolicLink());
  assert.equal(await readFile(target, 'utf8'), 'new\n');
  assert.equal((await stat(target)).mode & 0o777, 0o600, 'the target keeps its mode');
  assert.deepEqual((await readdir(join(dir, 'dotfiles'))).sort(), ['settings.yml'], 'no temporary file is left beside the target');
});

test('a dangling link is written through: its target is created and the link stays', async (t) => {
  const dir = await temporaryDirectory(t);
  await mkdir(join(dir, 'dotfiles'));
  await symlink('dotfiles/not-yet.yml', join(dir, 'link.yml'));
  assert.equal(await followLinks(join(dir, 'link.yml')), join(dir, 'dotfiles', 'not-yet.yml'));
  await writeFileAtomic(join(dir, 'link.yml'), 'created\n');
  assert.ok((await lstat(join(dir, 'link.yml'))).isSymbolicLink());
  assert.equal(await readFile(join(dir, 'dotfiles', 'not-yet.yml'), 'utf8'), 'created\n');
  // A target in a folder that does not exist is an error, and nothing is created.
  await symlink('nowhere/x.yml', join(dir, 'lost.yml'));
  await assert.rejects(writeFileAtomic(join(dir, 'lost.yml'), 'x'), { code: 'ENOENT' });
  assert.equal(await readlink(join(dir, 'lost.yml')), 'nowhere/x.yml');
  // A loop of links is refused instead of followed forever.
  await symlink('loop-b', join(dir, 'loop-a'));
  await symlink('loop-a', join(dir, 'loop-b'));
  await assert.rejects(writeFileAtomic(join(dir, 'loop-a'), 'x'), { code: 'ELOOP' });
});
