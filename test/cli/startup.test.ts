import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadedSources, PAKS_BIN, PAKS_CJS, runPaks, temporaryDirectory, withNodeFirst } from '../helpers/cli.js';

const recorder = fileURLToPath(new URL('../helpers/record-imports.mjs', import.meta.url));
test('paks --help and --version do not load heavy modules', async (t) => {
  const dir = await temporaryDirectory(t);
  for (const args of [['--help'], ['--version'], ['install', '--help']]) {
    const file = join(dir, `${args.join('')}.txt`);
    const run = spawnSync(process.execPath, ['--import', recorder, PAKS_CJS, ...args], { env: { ...process.env, PAKS_RECORD_IMPORTS: file, HOME: dir } });
    assert.equal(run.status, 0, String(run.stderr));
    const loaded = await loadedSources(file);
    // --version reads package.json and a captured --help the prebuilt text; `install --help` runs the bundle.
    if (args[0] === 'install') assert.ok(loaded.includes('/node_modules/commander/'), 'the recording sees the bundled sources');
    for (const heavy of ['openpgp', '@octokit', 'ora', 'execa', 'yaml', 'zod']) {
      assert.ok(!loaded.includes(`/node_modules/${heavy}/`), `${args.join(' ')} loaded ${heavy}`);
    }
  }
});

test('a captured paks --help is the text commander prints (built with the bundle, so it cannot drift)', async (t) => {
  const home = await temporaryDirectory(t);
  const prebuilt = await runPaks(['--help'], { home });
  const live = await runPaks(['help'], { home });
  assert.equal(prebuilt.exitCode, 0);
  assert.equal(prebuilt.stdout, live.stdout);
  assert.match(prebuilt.stdout, /^Usage: paks \[options\] \[command\]/);
  assert.match(prebuilt.stdout, /^ {2}serve /m, 'every command is listed');
});

test('paks push and pull load neither Spack nor signing code', async (t) => {
  const dir = await temporaryDirectory(t);
  for (const args of [['push', join(dir, 'missing'), '127.0.0.1:9/paks/x:1'], ['pull', '127.0.0.1:9/paks/x:1', join(dir, 'out')]]) {
    const file = join(dir, `${args[0]}.txt`);
    const run = spawnSync(process.execPath, ['--import', recorder, PAKS_CJS, ...args], { env: { ...process.env, PAKS_RECORD_IMPORTS: file, HOME: dir } });
    assert.notEqual(run.status, 0, 'the command fails (nothing to push, nothing listening), after loading what it needs');
    const loaded = await loadedSources(file);
    assert.ok(loaded.includes('/src/oci/'), `${args[0]} did not get as far as the OCI client`);
    for (const heavy of ['openpgp', '@octokit', 'execa']) assert.ok(!loaded.includes(`/node_modules/${heavy}/`), `${args[0]} loaded ${heavy}`);
  }
});

test('usage errors exit 2 with one line, unknown commands suggest the right one', async (t) => {
  const home = await temporaryDirectory(t);
  const unknown = await runPaks(['instal', 'zlib'], { home });
  assert.equal(unknown.exitCode, 2);
  assert.match(unknown.stderr, /unknown command 'instal'/);
  assert.match(unknown.stderr, /Did you mean install\?/);
  const version = await runPaks(['--version'], { home });
  assert.equal(version.exitCode, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const nothing = await runPaks(['install', '--bogus'], { home });
  assert.equal(nothing.exitCode, 2);
});

test('a missing Spack is one clear sentence that says how to get one', async (t) => {
  const home = await temporaryDirectory(t);
  const result = await runPaks(['list'], { home, env: { PATH: '/usr/bin:/bin' } });
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /^Error: No Spack found/);
  assert.match(result.stderr, /paks bootstrap/);
  const wrongRoot = await runPaks(['--spack-root', home, 'list'], { home });
  assert.match(wrongRoot.stderr, /--spack-root points at .* but .*bin\/spack is not an executable Spack/);
});

test('paks shell without a Spack opens with one line, prints client as a summary, and spack() rejects without a trace', async (t) => {
  const home = await temporaryDirectory(t);
  const session = await runPaks(['shell'], { home, env: { PATH: '/usr/bin:/bin', GITHUB_TOKEN: 'ghp_secret_in_env' }, input: 'client\nawait spack("find")\n.exit\n' });
  assert.equal(session.exitCode, 0, session.stderr);
  const notFound = /No Spack found: .* Run "paks bootstrap" to clone Spack into .*, or point --spack-root .*\./;
  const opening = session.stderr.split('\n').filter(Boolean);
  assert.equal(opening.length, 2, session.stderr);
  assert.match(opening[1]!, notFound);
  assert.match(session.stdout, new RegExp(`\\[paks-client spack: none found; settings: ${home}/\\.paks/settings\\.yml \\(not created: defaults\\)\\]`));
  assert.doesNotMatch(session.stdout, /ghp_secret_in_env|\/usr\/bin:\/bin/, 'the environment is not printed');
  assert.match(session.stdout, notFound);
  assert.doesNotMatch(session.stdout, /\n\s+at /, 'no stack trace');
});

test('--debug stack traces point into src/ through the bundle source maps', async (t) => {
  const home = await temporaryDirectory(t);
  const plain = await runPaks(['config', 'get', 'no_such_key'], { home });
  assert.equal(plain.exitCode, 2);
  assert.doesNotMatch(plain.stderr, /\n\s+at /, 'no trace without --debug');
  const debug = await runPaks(['--debug', 'config', 'get', 'no_such_key'], { home });
  assert.equal(debug.exitCode, 2);
  assert.match(debug.stderr, /\n\s+at .*\/src\/settings\/values\.ts:\d+:\d+\)?\n/);
});

test("the library's own entry (import 'paks') still loads from dist/", () => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', "const paks = await import('paks'); console.log(typeof paks.PaksClient.create, typeof paks.SpackRunner)"], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'function function\n');
});

test('a reader that stops early (paks … | head -1) gets no error', async (t) => {
  const home = await temporaryDirectory(t);
  const run = spawnSync('sh', ['-c', `"${PAKS_BIN}" config list | head -1 >/dev/null`], { env: { ...process.env, HOME: home, PATH: withNodeFirst(process.env.PATH) }, encoding: 'utf8' });
  assert.equal(run.status, 0);
  assert.equal(run.stderr, '');
});

test('bin/paks, the command npm links: through a symbolic link, by a relative or an absolute path', async (t) => {
  const dir = await temporaryDirectory(t);
  // npm links bin/paks from node_modules/.bin or a global bin folder, by a relative or an absolute path.
  await mkdir(join(dir, 'bin'));
  await symlink(relative(join(dir, 'bin'), PAKS_BIN), join(dir, 'bin', 'paks'));
  await symlink(join(dir, 'bin', 'paks'), join(dir, 'paks-again'));
  for (const link of [join(dir, 'bin', 'paks'), join(dir, 'paks-again')]) {
    const run = spawnSync(link, ['--version'], { env: { ...process.env, HOME: dir, PATH: withNodeFirst(process.env.PATH) }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
  }
  // A Node program, as npm users expect (no shell launcher in between).
  assert.match(await readFile(PAKS_BIN, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  const direct = spawnSync(process.execPath, [PAKS_CJS, '--version'], { encoding: 'utf8' });
  assert.equal(direct.stdout, spawnSync(PAKS_BIN, ['--version'], { env: { ...process.env, PATH: withNodeFirst(process.env.PATH) }, encoding: 'utf8' }).stdout);
});
