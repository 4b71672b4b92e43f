// A community repository on disk for paks update tests: hello-paks on a plain HTTP listing
// (Spack's detection through the stand-in), py-foo on a PyPI-shaped JSON server, and
// widget whose git is on (the fake) GitHub; tarballs served on loopback.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';
import { createSpackRoot } from '../helpers/spack.js';
import { runSpackAsync, sha256, startFileServer, startJsonServer, tarball } from '../helpers/upstream.js';

const HELLO = (http: string, sha100: string, sha110: string) => `# Served over plain HTTP on loopback, like the recording's hello-paks (transcript 81).
from spack.package import *


class HelloPaks(MakefilePackage):
    """Tiny hello-world C program (bin/hello-paks) and library (libhellopaks.so)."""

    homepage = "https://example.com/hello-paks"
    url = "${http}/hello-paks/hello-paks-1.1.0.tar.gz"
    list_url = "${http}/hello-paks/"

    license("MIT")

    version("1.1.0", sha256="${sha110}")
    version("1.0.0", sha256="${sha100}")

    def build(self, spec, prefix):
        make(f"PREFIX={prefix}")
`;

const PYFOO = (http: string, sha: string) => `from spack.package import *


class PyFoo(PythonPackage):
    """A Python package found on PyPI."""

    pypi = "foo/foo-1.0.tar.gz"
    url = "${http}/foo/foo-1.0.tar.gz"

    version("1.0", sha256="${sha}")
`;

export async function world(t: Parameters<typeof temporaryDirectory>[0], paksYaml = '') {
  const dir = await temporaryDirectory(t);
  const home = join(dir, 'home');
  await mkdir(home);
  const http = await startFileServer();
  const pypi = await startJsonServer();
  t.after(async () => {
    await Promise.all([http.close(), pypi.close()]);
  });
  const sr = await createSpackRoot(join(dir, 'spack'), { repos: [] });
  const root = join(dir, 'community');
  const put = async (path: string, text: string) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  };
  const shas: Record<string, string> = {};
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
    const data = tarball(`hello-paks-${v}`, `hello ${v}\n`);
    http.files.set(`/hello-paks/hello-paks-${v}.tar.gz`, data);
    shas[v] = sha256(data);
  }
  for (const v of ['1.0', '1.1']) {
    const data = tarball(`foo-${v}`, `foo ${v}\n`);
    http.files.set(`/foo/foo-${v}.tar.gz`, data);
    shas[`foo-${v}`] = sha256(data);
  }
  pypi.routes.set('/pypi/foo/json', {
    body: {
      info: { name: 'foo' },
      releases: {
        '1.0': [{ filename: 'foo-1.0.tar.gz', packagetype: 'sdist', digests: { sha256: shas['foo-1.0'] } }],
        '1.1': [{ filename: 'foo-1.1.tar.gz', packagetype: 'sdist', digests: { sha256: shas['foo-1.1'] } }],
        '2.0rc1': [{ filename: 'foo-2.0rc1.tar.gz', packagetype: 'sdist' }],
      },
    },
  });
  await put('repo.yaml', "repo:\n  namespace: 'community'\n");
  await put('paks.yaml', `registry: ghcr.io/example/community\n${paksYaml}`);
  await put('packages/hello-paks/package.py', HELLO(http.url, shas['1.0.0']!, shas['1.1.0']!));
  await put('packages/py-foo/package.py', PYFOO(http.url, shas['foo-1.0']!));
  const paks = (args: string[], env: Record<string, string> = {}) =>
    runPaks(['--spack-root', sr.root, ...args, '--repo', root, '--pypi-url', pypi.url], { home, env: { SPACK_USER_CONFIG_PATH: sr.userConfig, SPACK_USER_CACHE_PATH: sr.env.SPACK_USER_CACHE_PATH!, ...env } });
  const spack = (args: string[]) => runSpackAsync(sr, ['-C', join(dir, 'scope'), ...args]);
  await mkdir(join(dir, 'scope'));
  await writeFile(join(dir, 'scope', 'repos.yaml'), `repos:\n- ${root}\n`);
  return { dir, home, root, http, pypi, paks, spack, shas, put, recipe: (name: string) => join(root, 'packages', name, 'package.py') };
}

