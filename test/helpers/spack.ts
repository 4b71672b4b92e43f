// Test helper: lays out a throw-away SPACK_ROOT whose bin/spack runs the
// Spack stand-in (test/spack-standin/standin.mjs) as Spack 0.23 or, when the test
// runner sets PAKS_TEST_SPACK=1.1, as Spack 1.1. Real Spack is used at acceptance;
// see test/fixtures/spack/README.md and test/fixtures/spack-1.1/README.md.
import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const STANDIN = fileURLToPath(new URL('../spack-standin/standin.mjs', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/spack/', import.meta.url));
const FIXTURES_V1 = fileURLToPath(new URL('../fixtures/spack-1.1/', import.meta.url));

/**
 * The Spack the tests run against (test/run.mjs runs the Spack-touching tests once per
 * dialect), with what each recording says a test should expect from it.
 */
export interface TestSpack {
  series: '0.23' | '1.1';
  /** What `spack --version` prints. */
  version: string;
  /** The host the recording was made on (platform-os-target). */
  arch: string;
  target: string;
  /** The build-cache layout this Spack writes. */
  layout: 2 | 3;
  /** DAG hashes of the demo packages on the recorded host. */
  hashes: { 'greet-paks': string; 'hello-paks': string; 'gcc-runtime': string };
  /** The installed specs after installing greet-paks from a binary (what `paks list` shows). */
  installedWithGreet: string[];
  /** Spack's sentence for an unknown package. */
  unknownPackage: (name: string) => string;
  /** Where a binary of `name-version-hash` sits in a cache, relative to its root. */
  specFileOf: (stem: { name: string; version: string; hash: string }) => string;
}

export const SPACK_0_23: TestSpack = {
  series: '0.23',
  version: '0.23.0.dev0',
  arch: 'linux-debian12-icelake',
  target: 'icelake',
  layout: 2,
  hashes: { 'greet-paks': 'eus5xxlme3e4olqwzmc6dk5dp6hopdrj', 'hello-paks': 'v3txzpguqtrca4lvc5rmlzbkazgyeoku', 'gcc-runtime': '5ac4sesq5gnja3i4ucraplw4u2yoe4q7' },
  installedWithGreet: ['gcc-runtime', 'glibc', 'gmake', 'greet-paks', 'hello-paks'],
  unknownPackage: (name) => `Package '${name}' not found`,
  specFileOf: (s) => `build_cache/linux-debian12-icelake-gcc-12.2.0-${s.name}-${s.version}-${s.hash}.spec.json.sig`,
};

// Spack 1.1 recording (test/fixtures/spack-1.1): transcripts 11, 14, 23, 154b.
export const SPACK_1_1: TestSpack = {
  series: '1.1',
  version: '1.1.0',
  arch: 'linux-debian12-zen2',
  target: 'zen2',
  layout: 3,
  hashes: { 'greet-paks': '2i36ouybuqlq746bmzdayrr4hle6batk', 'hello-paks': '7snkjcupf6qj4h6v6wak5essofjrnowg', 'gcc-runtime': 'tjjstrbvka3lhnw3edahta747jog3ooa' },
  // transcript 154b: the externals (gcc, gmake) are registered, compiler-wrapper is not installed
  installedWithGreet: ['gcc', 'gcc-runtime', 'glibc', 'gmake', 'greet-paks', 'hello-paks'],
  unknownPackage: (name) => `cannot concretize '${name}', since '${name}' does not exist`,
  specFileOf: (s) => `v3/manifests/spec/${s.name}/${s.name}-${s.version}-${s.hash}.spec.manifest.json`,
};

export const testSpack: TestSpack = process.env.PAKS_TEST_SPACK === '1.1' ? SPACK_1_1 : SPACK_0_23;

export interface SpackRootOptions {
  /** which Spack the stand-in plays (default: testSpack, chosen by PAKS_TEST_SPACK) */
  spack?: TestSpack;
  /** platform-os-target, default the recording's host (SPACK_STANDIN_ARCH) */
  arch?: string;
  /** compiler spec, default gcc@12.2.0 (SPACK_STANDIN_COMPILER) */
  compiler?: string;
  /** extra package repositories registered in the user repos.yaml; default: a copy of the paksdemo test repo */
  repos?: string[];
  /** gpg key type for `spack gpg create`: rsa4096 (Spack's) by default; use rsa2048 in tests for speed */
  keyAlgo?: string;
  /** register gmake@4.3 at /usr as a non-buildable external, like the recording (default true) */
  externalGmake?: boolean;
  /** run `spack compiler find` equivalent (write <user config>/<platform>/compilers.yaml); default true */
  compilersYaml?: boolean;
}

export interface SpackRoot {
  /** the SPACK_ROOT directory */
  root: string;
  /** absolute path of <root>/bin/spack (a #!/bin/sh shim) */
  bin: string;
  /** environment a test should add to process.env when running Spack or Paks */
  env: Record<string, string>;
  /** SPACK_USER_CONFIG_PATH */
  userConfig: string;
  /** path of the copied paksdemo repository (when repos was not given) */
  paksdemoRepo: string | null;
}

/**
 * Creates `<dir>/spack` (SPACK_ROOT), `<dir>/spack-user-config` and
 * `<dir>/spack-user-cache`. Nothing is written outside `dir`.
 */
export async function createSpackRoot(dir: string, opts: SpackRootOptions = {}): Promise<SpackRoot> {
  const base = resolve(dir);
  const root = join(base, 'spack');
  const userConfig = join(base, 'spack-user-config');
  const userCache = join(base, 'spack-user-cache');
  const spack = opts.spack ?? testSpack;
  const v1 = spack.series === '1.1';
  const arch = opts.arch ?? spack.arch;
  const compiler = opts.compiler ?? 'gcc@12.2.0';
  const [platform = 'linux', ...restArch] = arch.split('-');
  const os = restArch.slice(0, -1).join('-');

  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(join(root, 'etc', 'spack'), { recursive: true });
  await mkdir(join(root, 'opt', 'spack'), { recursive: true });
  await mkdir(join(root, 'var', 'spack', 'repos'), { recursive: true });
  await mkdir(userConfig, { recursive: true });
  await mkdir(userCache, { recursive: true });

  const bin = join(root, 'bin', 'spack');
  const shim = [
    '#!/bin/sh',
    `# Spack ${spack.version} stand-in (tests only): behaves like a Spack checkout at this root.`,
    `__STANDIN_SPACK_ROOT="$(cd "$(dirname "$0")/.." && pwd)" exec ${shellQuote(process.execPath)} ${shellQuote(STANDIN)} "$@"`,
    '',
  ].join('\n');
  await writeFile(bin, shim);
  await chmod(bin, 0o755);

  // Offline setup as in the recording: no default source mirror.
  await writeFile(
    join(root, 'etc', 'spack', 'mirrors.yaml'),
    "# Offline setup: '::' drops the default https://mirror.spack.io source mirror\n# from etc/spack/defaults/mirrors.yaml so Spack never tries to reach it.\nmirrors:: {}\n",
  );
  await cp(join(FIXTURES, 'repos', 'builtin'), join(root, 'var', 'spack', 'repos', 'builtin'), { recursive: true });
  if (v1) {
    // Spack 1.x builtin packages the stand-in needs beyond 0.23's: gcc (the compiler as an external) and compiler-wrapper.
    await cp(join(FIXTURES_V1, 'repos', 'builtin'), join(root, 'var', 'spack', 'repos', 'builtin'), { recursive: true });
    await addLanguageDependency(join(root, 'var', 'spack', 'repos', 'builtin', 'packages', 'zlib', 'package.py'));
  }

  let repos = opts.repos;
  let paksdemoRepo: string | null = null;
  if (!repos) {
    paksdemoRepo = join(base, 'paksdemo-repo');
    await cp(join(FIXTURES, 'repos', 'paksdemo'), paksdemoRepo, { recursive: true });
    for (const pkg of ['hello-paks', 'greet-paks']) {
      const f = join(paksdemoRepo, 'packages', pkg, 'package.py');
      const text = await readFile(f, 'utf8');
      await writeFile(f, text.replaceAll('$SRC', join(paksdemoRepo, 'src')));
      if (v1) await addLanguageDependency(f);
    }
    repos = [paksdemoRepo];
  }
  if (repos.length && !v1) await writeFile(join(userConfig, 'repos.yaml'), `repos:\n${repos.map((r) => `- ${resolve(r)}\n`).join('')}`);
  // Spack 1.x (transcript 05b): `repo add` writes a dict, name: path
  if (repos.length && v1) await writeFile(join(userConfig, 'repos.yaml'), `repos:\n${repos.map((r, i) => `  ${i === 0 && !opts.repos ? 'paksdemo' : `repo${i}`}: ${resolve(r)}\n`).join('')}`);
  const [cname = 'gcc', cversion = '12.2.0'] = compiler.split('@');
  const packages: string[] = [];
  if (opts.externalGmake !== false) packages.push('  gmake:\n    externals:\n    - spec: gmake@4.3\n      prefix: /usr\n    buildable: false\n');
  // Spack 1.x: `spack compiler find` registers the compiler as an external in packages.yaml (transcript 00)
  if (v1 && opts.compilersYaml !== false) {
    packages.push(`  ${cname}:\n    externals:\n    - spec: ${cname}@${cversion} languages=c,c++\n      prefix: /usr\n      extra_attributes:\n        compilers:\n          c: /usr/bin/${cname}\n          cxx: /usr/bin/${cname === 'gcc' ? 'g++' : `${cname}++`}\n`);
  }
  if (packages.length) await writeFile(join(userConfig, 'packages.yaml'), `packages:\n${packages.join('')}`);
  if (opts.compilersYaml !== false && !v1) {
    const [cname = 'gcc', cversion = '12.2.0'] = compiler.split('@');
    await mkdir(join(userConfig, platform), { recursive: true });
    await writeFile(
      join(userConfig, platform, 'compilers.yaml'),
      [
        'compilers:',
        '- compiler:',
        `    spec: ${cname}@=${cversion}`,
        '    paths:',
        `      cc: /usr/bin/${cname === 'gcc' ? 'gcc' : cname}`,
        `      cxx: /usr/bin/${cname === 'gcc' ? 'g++' : `${cname}++`}`,
        '      f77: null',
        '      fc: null',
        '    flags: {}',
        `    operating_system: ${os}`,
        `    target: ${platform === 'darwin' ? 'aarch64' : 'x86_64'}`,
        '    modules: []',
        '    environment: {}',
        '    extra_rpaths: []',
        '',
      ].join('\n'),
    );
  }

  const env: Record<string, string> = {
    SPACK_ROOT: root,
    SPACK_USER_CONFIG_PATH: userConfig,
    SPACK_USER_CACHE_PATH: userCache,
    SPACK_STANDIN_ARCH: arch,
    SPACK_STANDIN_COMPILER: compiler,
    SPACK_STANDIN_VERSION: spack.version,
    PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}`,
    // Builds for the host's microarchitecture, as recorded: the recordings' hashes are of such
    // builds. Tests of portable builds (test/build/portable.test.ts) take this out.
    PAKS_BUILD_TARGET: 'host',
  };
  if (opts.keyAlgo) env.SPACK_STANDIN_KEY_ALGO = opts.keyAlgo;
  return { root, bin, env, userConfig, paksdemoRepo };
}

/** Stops the gpg-agent that real gpg started for this root's keyring (call in test cleanup). */
export function stopGpgAgent(root: string): void {
  spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: join(root, 'opt', 'spack', 'gpg') }, stdio: 'ignore' });
}

/** Runs the stand-in synchronously (convenience for tests). */
export function runSpack(sr: SpackRoot, args: string[], extraEnv: Record<string, string> = {}, input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(sr.bin, args, { env: { ...process.env, ...sr.env, ...extraEnv }, encoding: 'utf8', input });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Spack 1.x packages that compile declare the language (the 1.1 recording's recipes do: transcript 99). */
async function addLanguageDependency(file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  const last = lines.map((l) => /^\s+version\(/.test(l)).lastIndexOf(true);
  lines.splice(last + 1, 0, '', '    depends_on("c", type="build")');
  await writeFile(file, lines.join('\n'));
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
