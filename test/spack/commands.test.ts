import assert from 'node:assert/strict';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PaksClient } from '../../src/client.js';
import { InstallSources, parseInstalledLine } from '../../src/spack/install.js';
import { spackCommandError, summarizeSpackError } from '../../src/spack/errors.js';
import { World, type Machine } from '../e2e/world.js';
import { temporaryDirectory } from '../helpers/cli.js';
import { testSpack } from '../helpers/spack.js';

const short = (name: keyof typeof testSpack.hashes) => testSpack.hashes[name].slice(0, 7);

describe('install, list, uninstall, doctor and shell through the Spack stand-in', () => {
  let world: World;
  let machine: Machine;

  before(async () => {
    world = await World.create();
    machine = await world.machine('local');
  });
  after(() => world.dispose());

  test('install builds from source and ends with the root prefix like Spack prints it', async () => {
    const result = await machine.paks(['install', '--no-cache', 'greet-paks']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^\\[\\+\\] \\S+/greet-paks-1\\.0\\.0-${testSpack.hashes['greet-paks']}\\n$`));
    assert.match(result.stderr, /==> Installing hello-paks-1\.1\.0/, "Spack's progress is shown");
    assert.match(result.stderr, /built from source/);
  });

  test('paks sbom prints a valid CycloneDX or SPDX document for an installed spec', async () => {
    const { validateCycloneDx, validateSpdx, schemaErrors } = await import('../sbom/schemas.js');
    const cdx = await machine.paks(['sbom', 'greet-paks']);
    assert.equal(cdx.exitCode, 0, cdx.stderr);
    const bom = JSON.parse(cdx.stdout) as { metadata: { component: { name: string } } };
    assert.ok(validateCycloneDx(bom), schemaErrors(validateCycloneDx));
    assert.equal(bom.metadata.component.name, 'greet-paks');
    const spdx = await machine.paks(['sbom', '--format', 'spdx', 'greet-paks']);
    assert.ok(validateSpdx(JSON.parse(spdx.stdout)), schemaErrors(validateSpdx));
    const missing = await machine.paks(['sbom', 'zlib']);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /zlib is not installed/);
  });

  test('list groups like spack find, and --json is stable for scripts', async () => {
    const text = await machine.paks(['list']);
    // Spack 1.x lists its compiler (an external) and other nodes without a compiler under `none`.
    const header = `-- ${testSpack.arch} / gcc@12.2.0 ${'-'.repeat(64 - testSpack.arch.length - 13)}`;
    assert.ok(text.stdout.split('\n').includes(header), text.stdout);
    if (testSpack.series === '1.1') assert.match(text.stdout, /^-- linux-debian12-x86_64 \/ none -+\ngcc@12\.2\.0$/m);
    assert.match(text.stdout, /^greet-paks@1\.0\.0$/m);
    const json = JSON.parse((await machine.paks(['list', '--json', 'greet-paks'])).stdout);
    assert.equal(json.length, 1);
    assert.deepEqual(Object.keys(json[0]), ['name', 'version', 'hash', 'arch', 'platform', 'os', 'target', 'compiler', 'namespace', 'prefix', 'external', 'dependencies', 'variants', 'buildTree']);
    assert.deepEqual(json[0].variants, { build_system: 'makefile' });
    assert.equal(json[0].namespace, 'paksdemo');
    assert.deepEqual(json[0].dependencies.find((d: { name: string }) => d.name === 'hello-paks').types, ['build', 'link']);
    // The same shape on both Spacks; 1.x's compiler comes from the compiler dependency.
    assert.equal(json[0].compiler, 'gcc@12.2.0');
    assert.equal(json[0].target, testSpack.target);
    assert.match(json[0].prefix, new RegExp(`/greet-paks-1\\.0\\.0-${testSpack.hashes['greet-paks']}$`));
    const none = await machine.paks(['list', '--json', 'zlib']);
    assert.equal(none.stdout.trim(), '[]');
    assert.equal(none.exitCode, 1, 'like spack find, no match is a failure');
    const nosuch = await machine.paks(['list', 'nosuchpkg']);
    assert.equal(nosuch.exitCode, 1);
    assert.match(nosuch.stderr, /No installed package matches nosuchpkg\./);
  });

  test('install again: already installed, nothing downloaded or rewritten', async () => {
    const again = await machine.paks(['install', '--json', 'greet-paks']);
    assert.equal(again.exitCode, 0, again.stderr);
    const [root] = JSON.parse(again.stdout);
    assert.deepEqual(root.origin, { kind: 'installed' });
    assert.equal(root.sbom, undefined);
    assert.doesNotMatch(again.stderr, /==> Installing/);
    const text = await machine.paks(['install', 'greet-paks@1.0.0 %gcc']);
    assert.match(text.stdout, new RegExp(`^\\[\\+\\] \\S+/greet-paks-1\\.0\\.0-${short('greet-paks')}\\w+\\n$`));
    assert.match(text.stderr, /greet-paks@1\.0\.0: already installed/);
    const byHash = await machine.paks(['install', '--json', `greet-paks/${short('greet-paks')}`]);
    assert.equal(byHash.exitCode, 0, byHash.stderr);
    assert.equal(JSON.parse(byHash.stdout)[0].name, 'greet-paks');
    assert.deepEqual(JSON.parse(byHash.stdout)[0].origin, { kind: 'installed' });
  });

  test('a spec syntax error is one sentence from Paks, exit 2, before Spack runs', async () => {
    const bad = await machine.paks(['install', '--no-cache', 'zlib@@']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /^Error: "zlib@@" is not a valid Spack spec: unexpected "@" at character 5\.$/m);
    assert.doesNotMatch(bad.stderr, /bootstrap|==>/);
  });

  test('list asks Spack in one round: the JSON, and the prefixes when it prints them; never its version first, and not the build tree of a Spack Paks never built with', async () => {
    const spackCalls = (stderr: string) =>
      stderr
        .split('\n')
        .filter((line) => /^\[debug\] running: \S+ /.test(line))
        .map((line) => line.replace(/^.*? running: \S+ /, '').replace(/-C \S+paks-scope-\S+ /, '-C BUILD_TREE '))
        .sort();
    const text = await machine.paks(['--debug', 'list']);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.deepEqual(spackCalls(text.stderr), ['find --json'], text.stderr);
    // Spack 1.x's find --json has no compiler field, and a query's JSON lacks the compiler node: `{compiler}` answers for that node.
    const compilerCall = testSpack.series === '1.1' ? [`find --format {hash} {compiler} /${testSpack.hashes['greet-paks']}`] : [];
    const paths = await machine.paks(['--debug', 'list', '-p', 'greet-paks']);
    assert.deepEqual(spackCalls(paths.stderr), [...compilerCall, 'find --format {hash} {prefix} greet-paks', 'find --json greet-paks'].sort(), paths.stderr);
    assert.match(paths.stdout, new RegExp(`^greet-paks@1\\.0\\.0 {2}/\\S+/greet-paks-1\\.0\\.0-${short('greet-paks')}\\w+$`, 'm'));
    const externals = JSON.parse((await machine.paks(['list', '--json', 'gmake'])).stdout) as Array<{ prefix: string; external: boolean }>;
    assert.deepEqual(externals.map((s) => [s.prefix, s.external]), [['/usr', true]]);
  });

  test('unknown package, unsatisfiable version and a failed build end with Spack\'s reason', async () => {
    const unknown = await machine.paks(['install', '--no-cache', 'nonexistent-pkg-xyz']);
    assert.equal(unknown.exitCode, 1);
    assert.ok(unknown.stderr.split('\n').includes(`Error: Spack could not install nonexistent-pkg-xyz: ${testSpack.unknownPackage('nonexistent-pkg-xyz')}.`), unknown.stderr);
    const version = await machine.paks(['install', '--no-cache', 'hello-paks@9.9']);
    assert.match(version.stderr, /Error: Spack could not install hello-paks@9\.9: (concretization failed|failed to concretize `hello-paks@9\.9`): Cannot satisfy 'hello-paks@9\.9'/);
    const failed = await machine.paks(['install', '--no-cache', 'zlib'], { SPACK_STANDIN_FAIL_BUILD: 'zlib' });
    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, /^Error: Spack could not install zlib: .+/m);
    assert.doesNotMatch(failed.stderr, /at .+\.js:\d+/);
    const option = await machine.paks(['install', '--no-cache', '--', '--help']);
    assert.equal(option.exitCode, 2);
    assert.match(option.stderr, /is not a package spec/);
  });

  test('uninstall refuses needed packages, lists ambiguous candidates, needs --yes without a terminal', async () => {
    const needed = await machine.paks(['uninstall', '--yes', 'hello-paks']);
    assert.equal(needed.exitCode, 1);
    assert.match(needed.stderr, new RegExp(`hello-paks@1\\.1\\.0/${short('hello-paks')} is still needed by greet-paks@1\\.0\\.0/${short('greet-paks')}`));
    assert.match(needed.stderr, /--dependents/);
    assert.equal((await machine.paks(['install', '--no-cache', 'hello-paks@1.0.0'])).exitCode, 0);
    const ambiguous = await machine.paks(['uninstall', '--yes', 'hello-paks']);
    assert.equal(ambiguous.exitCode, 2);
    assert.match(ambiguous.stderr, new RegExp(`hello-paks matches 2 installed packages: hello-paks@1\\.0\\.0/\\w{7}, hello-paks@1\\.1\\.0/${short('hello-paks')}`));
    const all = await machine.paks(['uninstall', '--yes', '--all', 'hello-paks']);
    assert.equal(all.exitCode, 1);
    assert.match(all.stderr, new RegExp(`^Error: hello-paks@1\\.1\\.0/${short('hello-paks')} is still needed by greet-paks@1\\.0\\.0/${short('greet-paks')}\\.$`, 'm'), 'only the needed version is named');
    assert.doesNotMatch(all.stderr.split('\n')[0]!, /hello-paks@1\.0\.0/);
    assert.match(all.stderr, /or name only hello-paks@1\.0\.0\/\w{7}/);
    const unconfirmed = await machine.paks(['uninstall', 'hello-paks@1.0.0']);
    assert.equal(unconfirmed.exitCode, 2);
    assert.match(unconfirmed.stderr, /without confirmation/);
    const removed = await machine.paks(['uninstall', '--yes', 'hello-paks@1.0.0']);
    assert.equal(removed.exitCode, 0, removed.stderr);
    assert.match(removed.stdout, /^Uninstalled hello-paks@1\.0\.0/);
    const cascade = await machine.paks(['uninstall', '--yes', '--dependents', 'hello-paks']);
    assert.equal(cascade.exitCode, 0, cascade.stderr);
    assert.match(cascade.stdout, /greet-paks@1\.0\.0/);
    assert.equal((await machine.paks(['list', '--json', 'greet-paks'])).stdout.trim(), '[]');
    const missing = await machine.paks(['uninstall', '--yes', 'zlib']);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /zlib does not match any installed package/);
  });

  test('install PATH installs every package of a local repository, which wins over configured ones', async () => {
    const repo = join(world.dir, 'myrepo');
    await mkdir(join(repo, 'packages', 'hello-paks'), { recursive: true });
    await writeFile(join(repo, 'repo.yaml'), 'repo:\n  namespace: myrepo\n');
    await cp(join(machine.spackRoot, '..', 'paksdemo-repo', 'packages', 'hello-paks', 'package.py'), join(repo, 'packages', 'hello-paks', 'package.py'));
    const result = await machine.paks(['install', '--no-cache', '--json', repo]);
    assert.equal(result.exitCode, 0, result.stderr);
    const roots = JSON.parse(result.stdout);
    assert.deepEqual(roots.map((r: { name: string }) => r.name), ['hello-paks']);
    const listed = JSON.parse((await machine.paks(['list', '--json', 'hello-paks'])).stdout) as Array<{ namespace: string }>;
    assert.ok(listed.some((s) => s.namespace === 'myrepo'));
    const notRepo = await machine.paks(['install', join(world.dir, 'nothing-here')]);
    assert.equal(notRepo.exitCode, 1);
    assert.match(notRepo.stderr, /does not exist/);
  });

  test('doctor reports which Spack, its version, gpg and compilers', async () => {
    const result = await machine.paks(['doctor', '--json']);
    assert.equal(result.exitCode, 0, result.stderr);
    const checks = JSON.parse(result.stdout) as Array<{ name: string; ok: boolean; detail: string }>;
    assert.equal(checks.find((c) => c.name === 'spack')!.detail.replace(/ at .*bin\/spack /, ' at bin/spack '), `${testSpack.version} at bin/spack (from env)`);
    assert.match(checks.find((c) => c.name === 'layout')!.detail, new RegExp(`^build-cache layout v${testSpack.layout}: Spack ${testSpack.version.replace(/\./g, '\\.')} writes it`));
    assert.ok(checks.find((c) => c.name === 'gpg')!.ok);
    assert.match(checks.find((c) => c.name === 'compiler')!.detail, /gcc@12\.2\.0/);
    assert.equal(checks.find((c) => c.name === 'node')!.detail, `Node.js ${process.versions.node} at ${process.execPath}`);
    assert.match(checks.find((c) => c.name === 'git')!.detail, /^git version \d/);
    assert.match((checks.find((c) => c.name === 'gpg') as { install?: string }).install ?? '', /apt-get install -y --no-install-recommends gnupg$/);
  });

  test('doctor names the line that installs each missing tool', async (t) => {
    // A PATH with only node on it: the stand-in still runs, git and gpg are missing.
    const bin = await temporaryDirectory(t);
    await symlink(process.execPath, join(bin, 'node'));
    const result = await machine.paks(['doctor'], { PATH: bin });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /^FAIL {2}git {6}not found: needed for .+; install it with: (sudo )?apt-get install -y --no-install-recommends git$/m);
    assert.match(result.stdout, /^FAIL {2}gpg {6}not found: .+apt-get install -y --no-install-recommends gnupg$/m);
    assert.match(result.stdout, /^ok {4}spack /m);
  });

  test('paks shell evaluates with the client and spack() loaded', async () => {
    const result = await machine.paks(['shell'], {});
    assert.equal(result.exitCode, 0);
    const session = await import('../helpers/cli.js').then(({ runPaks }) =>
      runPaks(['shell'], { home: machine.home, env: machine.env, input: 'client.values.default_tag\nawait spack("--version")\n.exit\n' }),
    );
    assert.equal(session.exitCode, 0, session.stderr);
    assert.match(session.stdout, /'latest'/);
    assert.ok(session.stdout.includes(testSpack.version), session.stdout);
  });

  test('the library façade does the same work without a terminal', async () => {
    const client = await PaksClient.create({ home: machine.home, env: { ...process.env, ...machine.env } });
    const installed = await client.list(['gcc-runtime']);
    assert.equal(installed[0]?.hash, testSpack.hashes['gcc-runtime']);
  });
});

test('Spack output parsing: [+] lines and error summaries', () => {
  assert.deepEqual(parseInstalledLine('[+] /usr (external glibc-2.36-x6jyccnsburr4bfqlcllhg2hs65t2xs6)'), {
    name: 'glibc', version: '2.36', hash: 'x6jyccnsburr4bfqlcllhg2hs65t2xs6', prefix: '/usr', external: true,
  });
  assert.equal(parseInstalledLine('[+] /opt/spack/linux/gcc-12.2.0/gcc-runtime-12.2.0-5ac4sesq5gnja3i4ucraplw4u2yoe4q7')?.name, 'gcc-runtime');
  assert.equal(parseInstalledLine('==> Installing zlib'), undefined);
  const summary = summarizeSpackError("==> Error: There are still dependents.\n  use `spack uninstall --dependents` to remove dependents too\n");
  assert.equal(summary?.reason, 'There are still dependents.');
  assert.deepEqual(summary?.details, ['use `spack uninstall --dependents` to remove dependents too']);
});

test("Spack output parsing: what spack install built from source and what it took from a build cache, in both releases' words", async () => {
  const fixtures = new URL('../fixtures/', import.meta.url);
  const read = async (release: string, file: string) => {
    const sources = new InstallSources();
    for (const line of (await readFile(new URL(`${release}/transcripts/${file}`, fixtures), 'utf8')).split('\n')) sources.read(line);
    return { source: sources.builtFromSource.map((n) => `${n.name}@${n.version}`), binary: sources.fromBuildCache.map((n) => `${n.name}@${n.version}`) };
  };
  // Transcripts 09 (a source build) and 68 (binaries from an OCI registry), Spack 0.23 and 1.1.
  assert.deepEqual(await read('spack', '09-install-hello-paks.txt'), { source: ['gcc-runtime@12.2.0', 'hello-paks@1.1.0'], binary: [] });
  assert.deepEqual(await read('spack-1.1', '09-install-hello-paks.txt'), { source: ['compiler-wrapper@1.0', 'gcc-runtime@12.2.0', 'hello-paks@1.1.0'], binary: [] });
  for (const release of ['spack', 'spack-1.1']) {
    assert.deepEqual(await read(release, '68-oci-install-from-registry.txt'), { source: [], binary: ['gcc-runtime@12.2.0', 'hello-paks@1.1.0', 'greet-paks@1.0.0'] });
  }
  // A binary that failed is requeued and built from source.
  const requeued = new InstallSources();
  for (const line of [
    '==> Extracting zlib-1.3.1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa from binary cache',
    '==> Error: Failed to install zlib from binary cache due to NoChecksumException: Requeueing to install from source.',
    "==> zlib: Executing phase: 'install'",
    '==> zlib: Successfully installed zlib-1.3.1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ]) requeued.read(line);
  assert.deepEqual(requeued.builtFromSource, [{ name: 'zlib', version: '1.3.1', hash: 'a'.repeat(32) }]);
  assert.deepEqual(requeued.fromBuildCache, []);
});

test('Spack failures: a spec syntax error is a usage error; the debug flag goes before the command', () => {
  const syntax = spackCommandError({ args: ['install', 'zlib@@'], exitCode: 3, stdout: '', stderr: '==> Error: unexpected characters in the spec string\nzlib@@\n    ^^\n' }, 'install zlib@@');
  assert.equal(syntax.exitCode, 2);
  assert.equal(syntax.message, 'Spack could not install zlib@@: "zlib@@" is not a valid spec (unexpected characters in the spec string).');
  assert.doesNotMatch(syntax.hint ?? '', /bootstrap/);
  const bootstrap = spackCommandError({ args: ['-C', '/tmp/s', 'spec', 'zlib'], exitCode: 3, stdout: '', stderr: '==> Error: cannot bootstrap clingo\n' }, 'concretize zlib');
  assert.match(bootstrap.hint ?? '', /"spack -d -C \/tmp\/s spec zlib"/);
  assert.doesNotMatch(bootstrap.hint ?? '', /zlib --debug/);
});
