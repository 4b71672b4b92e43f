import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildCacheFiles, cleanup, runSnippet, tempDir, writeTree } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Registers only push and pull on a bare program, and reports errors the way the CLI does.
const driver = `
const { Command } = await import('commander');
const { isPaksError } = await import(${JSON.stringify(join(root, 'src/errors.ts'))});
const program = new Command('paks').exitOverride();
for (const name of ['push', 'pull']) (await import(${JSON.stringify(join(root, 'src/commands'))} + '/' + name + '.ts')).register(program);
try {
  await program.parseAsync(process.argv.slice(1), { from: 'user' });
} catch (error) {
  if (!isPaksError(error)) throw error;
  process.stderr.write('Error: ' + error.message + '\\n');
  process.exitCode = error.exitCode;
}`;

const paks = (home: string, ...args: string[]) => runSnippet(driver, args, { HOME: home, CI: '1' });

let registry: TestRegistry;
const made: string[] = [];
before(async () => {
  registry = await startRegistry();
});
after(async () => {
  await registry.stop();
  cleanup(...made);
});

describe('paks push / paks pull', () => {
  it('pushes with the default tag and extra tags, prints reference and digest, cleans up on request', async () => {
    const home = tempDir();
    const cache = tempDir();
    made.push(home, cache);
    writeTree(cache, buildCacheFiles());
    const result = await paks(home, 'push', '--cleanup', '--tag', '1.3', '--concurrency', '2', cache, `${registry.host}/paks/cli`);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 2), [`Pushed ${registry.host}/paks/cli:latest`, `Pushed ${registry.host}/paks/cli:1.3`]);
    assert.match(lines[2] ?? '', /^Digest: sha256:[0-9a-f]{64}$/);
    assert.equal(existsSync(cache), false);
    assert.ok(existsSync(join(home, '.paks', 'cache', 'oci-digests.json')));

    const out = join(tempDir(), 'out');
    made.push(join(out, '..'));
    const pulled = await paks(home, 'pull', '--concurrency', '3', `${registry.host}/paks/cli:1.3`, out);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(pulled.stdout.trim().split('\n')[1], lines[2]);
    for (const [rel, content] of Object.entries(buildCacheFiles())) assert.deepEqual(readFileSync(join(out, rel)), Buffer.from(content));
    // Again into the same folder: the same bytes may be replaced; a file of the user stays.
    writeFileSync(join(out, 'mine.txt'), 'mine\n');
    const again = await paks(home, 'pull', `${registry.host}/paks/cli:1.3`, out);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(join(out, 'mine.txt'), 'utf8'), 'mine\n');
    // A file with other content where a layer goes is not replaced: one sentence, nothing downloaded.
    writeFileSync(join(out, 'build_cache', 'index.json'), 'edited by hand');
    const refused = await paks(home, 'pull', `${registry.host}/paks/cli:1.3`, out);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^Error: Cannot pull \S+ into \S+: build_cache\/index\.json is already there with other content, and Paks does not replace a file it did not write\. Nothing was downloaded\.$/m);
    assert.equal(readFileSync(join(out, 'build_cache', 'index.json'), 'utf8'), 'edited by hand');
  });

  it('--cleanup removes the pushed build cache and nothing else: a file of the user stays, with one line saying so', async () => {
    const home = tempDir();
    const cache = tempDir();
    made.push(home, cache);
    writeTree(cache, { ...buildCacheFiles(), 'notes.txt': 'mine\n', 'mine/keep.txt': 'also mine\n' });
    const result = await paks(home, 'push', '--cleanup', cache, `${registry.host}/paks/kept`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readFileSync(join(cache, 'notes.txt'), 'utf8'), 'mine\n');
    assert.equal(readFileSync(join(cache, 'mine', 'keep.txt'), 'utf8'), 'also mine\n');
    assert.deepEqual(readdirSync(cache).sort(), ['mine', 'notes.txt'], 'the build cache itself is gone');
    assert.match(result.stderr, /Kept .*: it holds 2 entries that are not part of the build cache \(mine, notes\.txt\)\./);
  });

  it('keeps the directory when the push fails, and refuses a bad reference with exit code 2', async () => {
    const home = tempDir();
    const cache = tempDir();
    made.push(home, cache);
    writeTree(cache, { 'a.json': '{}' });
    const bad = await paks(home, 'push', '--cleanup', cache, `${registry.host}/Paks/Bad`);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a valid image reference/);
    assert.ok(existsSync(cache));
    const unreachable = await paks(home, 'pull', '127.0.0.1:1/paks/none:1', join(cache, 'x'));
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^Error: Could not read 127\.0\.0\.1:1\/paks\/none:1: the connection was refused by 127\.0\.0\.1:1\./m);
  });
});
