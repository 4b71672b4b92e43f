// `spack create --skip-editor [--repo R] [--name N] URL` (transcripts 121-123): a template
// recipe for a tarball, with the build system guessed from the archive's files.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from './args.mjs';
import { Repo } from './repo.mjs';
import { Die, SpackError, tty } from './util.mjs';

const TEMPLATES = {
  makefile: { base: 'MakefilePackage', body: '    def edit(self, spec, prefix):\n        # FIXME: Edit the Makefile if necessary\n        # FIXME: If not needed delete this function\n        # makefile = FileFilter("Makefile")\n        # makefile.filter("CC = .*", "CC = cc")\n        pass\n' },
  cmake: { base: 'CMakePackage', body: '    def cmake_args(self):\n        # FIXME: Add arguments other than\n        # FIXME: CMAKE_INSTALL_PREFIX and CMAKE_BUILD_TYPE\n        # FIXME: If not needed delete this function\n        args = []\n        return args\n' },
  autotools: { base: 'AutotoolsPackage', body: '    def configure_args(self):\n        # FIXME: Add arguments other than --prefix\n        # FIXME: If not needed delete this function\n        args = []\n        return args\n' },
  generic: { base: 'Package', body: '    def install(self, spec, prefix):\n        # FIXME: Unknown build system\n        make()\n        make("install")\n' },
};

export function createCommand(ctx, argv) {
  const opt = (flags, dest, kind = 'bool') => ({ flags: Array.isArray(flags) ? flags : [flags], dest, kind });
  const a = parseArgs(
    {
      prog: 'spack create',
      help: 'create',
      options: [opt('--keep-stage', 'keepStage'), opt(['-n', '--name'], 'name', 'value'), opt(['-t', '--template'], 'template', 'value'), opt(['-r', '--repo'], 'repo', 'value'), opt(['-N', '--namespace'], 'namespace', 'value'), opt(['-f', '--force'], 'force'), opt('--skip-editor', 'skipEditor'), opt(['-b', '--batch'], 'batch')],
      positionals: [{ dest: 'url', nargs: '?' }],
    },
    argv,
  );
  if (a.unknown.length) throw new Die(`unrecognized arguments: ${a.unknown.join(' ')}`);
  if (!a.url) throw new Die('spack create requires a URL in the stand-in');
  const fileName = a.url.split('/').pop();
  const guessed = /^(.*?)-v?(\d[\w.]*?)(\.tar\.gz|\.tgz|\.tar\.bz2|\.tar\.xz|\.zip|\.tar)$/.exec(fileName);
  const name = a.name ?? guessed?.[1]?.toLowerCase();
  if (!name) throw new Die(`Couldn't guess a name for this package. Try running:`, '', 'spack create --name <name> <url>');
  tty.msg(a.name ? `Using specified package name: '${name}'` : `This looks like a URL for ${name}`);
  tty.msg(`Fetching ${a.url}`);
  const bytes = fetchBytes(a.url);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const listing = listArchive(bytes);
  const system = a.template ?? (listing.some((f) => /(^|\/)CMakeLists\.txt$/.test(f)) ? 'cmake' : listing.some((f) => /(^|\/)configure$/.test(f)) ? 'autotools' : listing.some((f) => /(^|\/)(GNUmakefile|Makefile|makefile)$/.test(f)) ? 'makefile' : 'generic');
  tty.msg(`This package looks like it uses the ${system} build system`);
  const repo = a.repo ? new Repo(a.repo) : ctx.repos.repos[0];
  if (!repo) throw new SpackError('No package repository to create the package in.');
  const template = TEMPLATES[system] ?? TEMPLATES.generic;
  const className = name.replace(/(^|[-_])(\w)/g, (_, __, c) => c.toUpperCase()).replace(/^(\d)/, '_$1');
  tty.msg(`Created template for ${name} package`);
  const dir = join(repo.packagesDir, name);
  const file = join(dir, 'package.py');
  if (existsSync(file) && !a.force) throw new SpackError(`${file} already exists.`, '    Try running `spack create --force` to overwrite it.');
  const version = guessed?.[2] ?? '1.0';
  const text = `${HEADER(name)}from spack.package import *


class ${className}(${template.base}):
    """FIXME: Put a proper description of your package here."""

    # FIXME: Add a proper url for your package's homepage here.
    homepage = "https://www.example.com"
    url = "${a.url}"

    # FIXME: Add a list of GitHub accounts to
    # notify when the package is updated.
    # maintainers("github_user1", "github_user2")

    # FIXME: Add the SPDX identifier of the project's license below.
    # See https://spdx.org/licenses/ for a list. Upon manually verifying
    # the license, set checked_by to your Github username.
    license("UNKNOWN", checked_by="github_user1")

    version("${version}", sha256="${sha256}")

    depends_on("c", type="build")

    # FIXME: Add dependencies if required.
    # depends_on("foo")

${template.body}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, text);
  tty.msg(`Created package file: ${file}`);
  return 0;
}

const HEADER = (name) => `# Copyright 2013-2024 Lawrence Livermore National Security, LLC and other
# Spack Project Developers. See the top-level COPYRIGHT file for details.
#
# SPDX-License-Identifier: (Apache-2.0 OR MIT)

# ----------------------------------------------------------------------------
# If you submit this package back to Spack as a pull request,
# please first remove this boilerplate and all FIXME comments.
#
# This is a template package file for Spack.  We've put "FIXME"
# next to all the things you'll want to change. Once you've handled
# them, you can save this file and test your package like this:
#
#     spack install ${name}
#
# You can edit this file again by typing:
#
#     spack edit ${name}
#
# See the Spack documentation for more information on packaging.
# ----------------------------------------------------------------------------

`;

function fetchBytes(url) {
  if (url.startsWith('file://')) {
    const path = decodeURIComponent(url.slice(7));
    if (!existsSync(path)) throw new SpackError(`All fetchers failed for spack-stage-${Date.now()}`, null, { className: 'FetchError' });
    return readFileSync(path);
  }
  try {
    // Synchronous like Spack's own urllib fetch: a child node does the request.
    return execFileSync(process.execPath, ['-e', 'fetch(process.argv[1]).then(async (r) => { if (!r.ok) { console.error(r.status); process.exit(1); } process.stdout.write(Buffer.from(await r.arrayBuffer())); }, (e) => { console.error(e.message); process.exit(1); })', url], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw new SpackError(`All fetchers failed for spack-stage-${Date.now()}`, null, { className: 'FetchError' });
  }
}

function listArchive(bytes) {
  try {
    return execFileSync('tar', ['-tzf', '-'], { input: bytes, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
