// paks api build's folder swap: an earlier build is known only by the record it wrote, and
// nothing the build did not write is ever removed (issue #21).
import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonFile, SITE_RECORD, writeSite, type Site } from '../../src/api/site.js';
import { PaksError } from '../../src/errors.js';
import { temporaryDirectory } from '../helpers/cli.js';

const site = (...paths: string[]): Site => new Map(paths.map((path) => [path, jsonFile({ path })]));
const refusal = (pattern: RegExp) => (error: unknown) => error instanceof PaksError && error.exitCode !== 0 && !error.message.includes('\n') && pattern.test(error.message);

test('a folder that merely holds api/v1/packages.json (a repository with .git) is refused and left as it was', async (t) => {
  const dir = await temporaryDirectory(t);
  const out = join(dir, 'docs');
  await mkdir(join(out, 'api', 'v1'), { recursive: true });
  await mkdir(join(out, '.git'));
  await writeFile(join(out, 'api', 'v1', 'packages.json'), '{}');
  await writeFile(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await assert.rejects(writeSite(site('index.html', 'api/v1/packages.json'), out), refusal(/docs is not empty and is not an earlier output of paks api build \(it has no \.paks-site\.json\); Paks will not replace it\.$/));
  assert.equal(await readFile(join(out, '.git', 'HEAD'), 'utf8'), 'ref: refs/heads/main\n');
  assert.equal(await readFile(join(out, 'api', 'v1', 'packages.json'), 'utf8'), '{}');
  assert.deepEqual((await readdir(dir)).sort(), ['docs'], 'no temporary folder is left');
  // A record that names paths outside the folder is no record.
  await writeFile(join(out, SITE_RECORD), JSON.stringify({ written_by: 'paks api build', files: ['../outside.txt'] }));
  await writeFile(join(dir, 'outside.txt'), 'mine');
  await assert.rejects(writeSite(site('index.html'), out), refusal(/is not an earlier output/));
  assert.equal(await readFile(join(dir, 'outside.txt'), 'utf8'), 'mine');
});

test('a rebuild removes only what the earlier build recorded; a CNAME and .git added since are carried over', async (t) => {
  const dir = await temporaryDirectory(t);
  const out = join(dir, 'site');
  await mkdir(out); // an empty folder may be filled
  assert.equal(await writeSite(site('index.html', 'api/v1/packages.json', 'api/v1/packages/gone.json'), out), undefined);
  assert.deepEqual(JSON.parse(await readFile(join(out, SITE_RECORD), 'utf8')), { written_by: 'paks api build', files: ['api/v1/packages.json', 'api/v1/packages/gone.json', 'index.html'] });
  await writeFile(join(out, 'CNAME'), 'packages.example.org\n');
  await mkdir(join(out, '.git', 'objects'), { recursive: true });
  await writeFile(join(out, '.git', 'HEAD'), 'ref: refs/heads/gh-pages\n');
  await writeFile(join(out, 'api', 'v1', 'notes.txt'), 'mine');
  await writeSite(site('index.html', 'api/v1/packages.json', 'api/v1/packages/new.json'), out);
  assert.equal(await readFile(join(out, 'CNAME'), 'utf8'), 'packages.example.org\n');
  assert.equal(await readFile(join(out, '.git', 'HEAD'), 'utf8'), 'ref: refs/heads/gh-pages\n');
  assert.ok((await lstat(join(out, '.git', 'objects'))).isDirectory());
  assert.equal(await readFile(join(out, 'api', 'v1', 'notes.txt'), 'utf8'), 'mine');
  assert.deepEqual(await readdir(join(out, 'api', 'v1', 'packages')), ['new.json'], 'the file the earlier build wrote and this one does not is gone');
  assert.deepEqual((await readdir(dir)).sort(), ['site'], 'no temporary or old folder is left');
  // A foreign file where the new site needs to write is refused, and nothing moves.
  await writeFile(join(out, 'extra.json'), 'mine');
  await assert.rejects(writeSite(site('index.html', 'extra.json'), out), refusal(/extra\.json was not written by paks api build and the new site needs that path; Paks will not replace it\.$/));
  assert.equal(await readFile(join(out, 'extra.json'), 'utf8'), 'mine');
  assert.ok(await readFile(join(out, 'api', 'v1', 'packages', 'new.json'), 'utf8'));
  assert.deepEqual((await readdir(dir)).sort(), ['site']);
});

test('OUT as a symbolic link: the link stays and its target gets the new site; a dangling link creates its target', async (t) => {
  const dir = await temporaryDirectory(t);
  await mkdir(join(dir, 'real'));
  await symlink('real', join(dir, 'out'));
  await writeSite(site('index.html'), join(dir, 'out'));
  await writeSite(site('index.html', 'more.html'), join(dir, 'out'));
  assert.ok((await lstat(join(dir, 'out'))).isSymbolicLink());
  assert.equal(await readlink(join(dir, 'out')), 'real');
  assert.deepEqual((await readdir(join(dir, 'real'))).sort(), [SITE_RECORD, 'index.html', 'more.html']);
  await symlink('later', join(dir, 'dangling'));
  await writeSite(site('index.html'), join(dir, 'dangling'));
  assert.ok((await lstat(join(dir, 'dangling'))).isSymbolicLink());
  assert.deepEqual((await readdir(join(dir, 'later'))).sort(), [SITE_RECORD, 'index.html']);
  await writeFile(join(dir, 'file'), 'x');
  await assert.rejects(writeSite(site('index.html'), join(dir, 'file')), refusal(/file exists and is not a folder\.$/));
});
