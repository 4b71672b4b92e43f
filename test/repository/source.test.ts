import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openRepository } from '../../src/repository/source.js';
import { temporaryDirectory } from '../helpers/cli.js';

test('a failed clone of a GitHub repository removes only what the clone made: a folder already there is kept', async (t) => {
  const cloneDir = await temporaryDirectory(t);
  const target = join(cloneDir, 'github.com', 'acme', 'pkgs');
  await mkdir(target, { recursive: true });
  await writeFile(join(target, 'notes.txt'), 'mine');
  // git refuses to clone into a non-empty folder before it touches the network.
  await assert.rejects(openRepository('github.com/acme/pkgs', { cloneDir, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }), /Could not clone https:\/\/github\.com\/acme\/pkgs: .*not an empty directory/);
  assert.equal(await readFile(join(target, 'notes.txt'), 'utf8'), 'mine');
});
