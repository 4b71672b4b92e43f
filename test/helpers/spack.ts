// Test helper: lays out a throw-away SPACK_ROOT whose bin/spack runs the
// Spack 0.23 stand-in (test/spack-standin/standin.mjs). Real Spack is used at
// acceptance; see test/fixtures/spack/README.md for what the stand-in mimics.
import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const STANDIN = fileURLToPath(new URL('../spack-standin/standin.mjs', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/spack/', import.meta.url));

export interface SpackRootOptions {
  /** platform-os-target, default linux-debian12-icelake (SPACK_STANDIN_ARCH) */
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
  const arch = opts.arch ?? 'linux-debian12-icelake';
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
    '# Spack 0.23 stand-in (tests only): behaves like a Spack checkout at this root.',
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

  let repos = opts.repos;
  let paksdemoRepo: string | null = null;
  if (!repos) {
    paksdemoRepo = join(base, 'paksdemo-repo');
    await cp(join(FIXTURES, 'repos', 'paksdemo'), paksdemoRepo, { recursive: true });
    for (const pkg of ['hello-paks', 'greet-paks']) {
      const f = join(paksdemoRepo, 'packages', pkg, 'package.py');
      const text = await readFile(f, 'utf8');
      await writeFile(f, text.replaceAll('$SRC', join(paksdemoRepo, 'src')));
    }
    repos = [paksdemoRepo];
  }
  if (repos.length) await writeFile(join(userConfig, 'repos.yaml'), `repos:\n${repos.map((r) => `- ${resolve(r)}\n`).join('')}`);
  if (opts.externalGmake !== false) {
    await writeFile(join(userConfig, 'packages.yaml'), 'packages:\n  gmake:\n    externals:\n    - spec: gmake@4.3\n      prefix: /usr\n    buildable: false\n');
  }
  if (opts.compilersYaml !== false) {
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
    PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}`,
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

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
