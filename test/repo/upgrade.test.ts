import assert from 'node:assert/strict';
import { readFile, rename, symlink, writeFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';

test('repo upgrade rewrites the workflows from this Paks, shows the diff, keeps paks.yaml and what someone changed', async (t) => {
  const home = await temporaryDirectory(t);
  const root = join(home, 'pkgs');
  const init = await runPaks(['repo', 'init', root, '--registry', 'ghcr.io/me/pkgs'], { home });
  assert.equal(init.exitCode, 0, init.stderr);
  const build = join(root, '.github', 'workflows', 'build.yml');
  const pages = join(root, '.github', 'workflows', 'pages.yml');
  const update = join(root, '.github', 'workflows', 'update.yml');
  const paksYaml = join(root, 'paks.yaml');
  const written = await readFile(build, 'utf8');

  // Nothing to do right after init.
  const same = await runPaks(['repo', 'upgrade', '--repo', root], { home });
  assert.equal(same.exitCode, 0, same.stderr);
  assert.equal(same.stdout, '');
  assert.match(same.stderr, /\.github\/workflows\/build\.yml: unchanged/);

  // An older Paks wrote build.yml (as this one would, with other values); someone edited
  // pages.yml; update.yml is a symbolic link; paks.yaml has the maintainer's own settings.
  const older = written.replace(/ref: v[\d.]+/g, 'ref: v0.22.0');
  const { stampRendered } = await import('../../src/repo/templates.js');
  await writeFile(build, stampRendered(older.replace(/\n\n# Rendered by Paks [^\n]*\n$/, '\n'), '0.0.1'));
  await writeFile(pages, (await readFile(pages, 'utf8')).replace('cron: ', 'cron:  '));
  await rename(update, join(root, 'update-real.yml'));
  await writeFile(join(root, 'update-real.yml'), (await readFile(join(root, 'update-real.yml'), 'utf8')).replace(/# Rendered by Paks [^\n]*\n$/, ''));
  await symlink('../../update-real.yml', update);
  await writeFile(paksYaml, `${await readFile(paksYaml, 'utf8')}# mine\n`);
  const paksBefore = await readFile(paksYaml, 'utf8');

  const dry = await runPaks(['repo', 'upgrade', '--dry-run', '--repo', root], { home });
  assert.match(dry.stdout, /-\s+ref: v0\.22\.0\n\+\s+ref: v\d/);
  assert.match(dry.stderr, /build\.yml: would be updated/);
  assert.match(await readFile(build, 'utf8'), /ref: v0\.22\.0/, '--dry-run writes nothing');

  const run = await runPaks(['repo', 'upgrade', '--repo', root], { home });
  assert.equal(run.exitCode, 1, 'a file was kept');
  assert.match(run.stdout, /-\s+ref: v0\.22\.0\n\+\s+ref: v\d/);
  assert.match(run.stderr, /\.github\/workflows\/build\.yml: updated/);
  assert.match(run.stderr, /\.github\/workflows\/pages\.yml: kept, not rewritten: it changed since Paks wrote it/);
  assert.match(run.stderr, /\.github\/workflows\/update\.yml: kept, not rewritten: it carries no Paks stamp/);
  assert.equal(await readFile(build, 'utf8'), written);
  assert.match(await readFile(pages, 'utf8'), /cron: {2}/);
  assert.equal(await readFile(paksYaml, 'utf8'), paksBefore);

  const forced = await runPaks(['repo', 'upgrade', '--force', '--repo', root], { home });
  assert.equal(forced.exitCode, 0, forced.stderr);
  assert.doesNotMatch(await readFile(pages, 'utf8'), /cron: {2}/);
  // The link stays; its target gets the new text.
  assert.ok((await lstat(update)).isSymbolicLink());
  assert.match(await readFile(join(root, 'update-real.yml'), 'utf8'), /# Rendered by Paks /);
  assert.equal(await readFile(paksYaml, 'utf8'), paksBefore);
});
