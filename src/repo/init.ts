import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PaksError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { paksVersion } from '../version.js';
import { git, isGitCheckout, originGithubRepository } from './git.js';
import { REPO_CONFIG_FILE, repoConfigShape, type PlatformEntry } from './config.js';
import { isManagedTarget, renderTemplate, repositoryTemplates, stampRendered } from './templates.js';

export interface InitOptions {
  namespace?: string | undefined;
  registry?: string | undefined;
  platforms?: readonly string[] | undefined;
  force?: boolean;
  /** The Spack release CI installs (the spack_version setting). */
  spackVersion: string;
  env?: NodeJS.ProcessEnv;
}

export interface InitReport {
  root: string;
  namespace: string;
  registry: string;
  /** Paths written, relative to root. */
  created: string[];
  gitInitialized: boolean;
}

export const DEFAULT_PUBLIC_KEY = 'keys/publisher.asc';

/**
 * A new repository's platforms: each architecture builds in a manylinux_2_28 image
 * (AlmaLinux 8: glibc 2.28, GCC 14 from gcc-toolset), so its binaries run on RHEL 8, Debian 10,
 * Ubuntu 18.10 and every newer distribution, whatever runner image GitHub has moved on to.
 */
export const DEFAULT_PLATFORMS: PlatformEntry[] = [
  { name: 'x86_64-glibc2.28', runner: 'ubuntu-24.04', image: 'quay.io/pypa/manylinux_2_28_x86_64' },
  { name: 'aarch64-glibc2.28', runner: 'ubuntu-24.04-arm', image: 'quay.io/pypa/manylinux_2_28_aarch64' },
];

/** Spack imports a namespace as a Python module path: identifiers joined by dots. */
const NAMESPACE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const PYTHON_KEYWORDS = new Set('False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '));

export function checkNamespace(namespace: string): string {
  if (!NAMESPACE.test(namespace) || namespace.split('.').some((part) => PYTHON_KEYWORDS.has(part))) {
    throw new PaksError('usage', `Spack would refuse the namespace '${namespace}': a namespace is Python identifiers (letters, digits, underscores, not starting with a digit) joined by dots.`, {
      hint: `For example: --namespace ${namespaceFrom(namespace)}`,
    });
  }
  return namespace;
}

/** A valid namespace made from a folder name: my-pkgs → my_pkgs, 2024 → ns_2024. */
export function namespaceFrom(name: string): string {
  let ns = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'packages';
  if (/^\d/.test(ns) || PYTHON_KEYWORDS.has(ns)) ns = `ns_${ns}`;
  return ns;
}

/** `paks repo init DIR`: a Spack package repository with paks.yaml, CI and a README, ready to push. */
export async function initRepository(dir: string, options: InitOptions): Promise<InitReport> {
  const root = resolve(dir);
  const namespace = options.namespace !== undefined ? checkNamespace(options.namespace) : namespaceFrom(basename(root));
  const platforms: PlatformEntry[] = options.platforms?.length ? [...options.platforms] : DEFAULT_PLATFORMS;
  for (const platform of options.platforms ?? []) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(platform)) throw new PaksError('usage', `'${platform}' is not a runner image name (e.g. ubuntu-24.04).`);
  }

  const entries = await checkInitTarget(root, dir, Boolean(options.force));
  const checkout = entries.length > 0 && (await isGitCheckout(root, options.env));
  const registry = options.registry ?? (await defaultRegistry(root, checkout, options.env));
  const registryCheck = repoConfigShape.registry.safeParse(registry);
  if (!registryCheck.success) throw new PaksError('usage', `--registry ${registry} is not a registry path such as ghcr.io/org/repo (lowercase).`);

  const files: Array<{ target: string; text: string }> = [
    { target: 'repo.yaml', text: `repo:\n  namespace: '${namespace}'\n` },
  ];
  const values = await templateValues(root, { namespace, registry, platforms, spackVersion: options.spackVersion, checkout, ...(options.env ? { env: options.env } : {}) });
  for (const { template, target } of await repositoryTemplates()) {
    const text = await renderTemplate(template, values);
    files.push({ target, text: isManagedTarget(target) ? stampRendered(text, values.PAKS_VERSION!) : text });
  }

  const created: string[] = [];
  await mkdir(root, { recursive: true });
  try {
    await mkdir(join(root, 'packages'), { recursive: true });
    for (const file of files) {
      const path = join(root, file.target);
      const existed = await lstat(path).then(() => true, () => false);
      await mkdir(dirname(path), { recursive: true });
      // --force replaces a file of the same name (through a symbolic link) and nothing else.
      if (options.force) await writeFileAtomic(path, file.text);
      else await writeFile(path, file.text, { flag: 'wx' });
      if (!existed) created.push(file.target);
    }
  } catch (error) {
    for (const target of created) await rm(join(root, target), { force: true });
    throw error;
  }
  let gitInitialized = false;
  if (!checkout) {
    await git(root, ['init', '--quiet', '--initial-branch=main'], { doing: `initialize a git repository in ${dir}`, ...(options.env ? { env: options.env } : {}) });
    gitInitialized = true;
  }
  return { root, namespace, registry, created: [...created, 'packages/'].sort(), gitInitialized };
}

/** The folder's entries, after refusing a file or (without `force`) a folder with anything but .git. */
export async function checkInitTarget(root: string, dir: string, force: boolean): Promise<string[]> {
  const entries = await readdir(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    if (error.code === 'ENOTDIR') throw new PaksError('usage', `${dir} is a file, not a folder.`);
    throw error;
  });
  const existing = entries.filter((e) => e !== '.git');
  if (existing.length && !force) {
    throw new PaksError('usage', `${dir} is not empty (it holds ${existing.slice(0, 4).join(', ')}${existing.length > 4 ? ', …' : ''}), so paks repo init will not write into it.`, {
      hint: 'Use an empty folder or a fresh clone, or pass --force to write the repository files into it (replacing any of the same name).',
    });
  }
  return entries;
}

/** What the templates' %%PLACEHOLDERS%% become for a repository (also what `paks repo doctor` compares with). */
export async function templateValues(root: string, options: { namespace: string; registry: string; platforms: readonly PlatformEntry[]; spackVersion: string; checkout: boolean; env?: NodeJS.ProcessEnv }): Promise<Record<string, string>> {
  return {
    NAME: basename(root),
    NAMESPACE: options.namespace,
    REGISTRY: options.registry,
    PLATFORMS: options.platforms.map((p) => (typeof p === 'string' ? `  - ${p}` : `  - name: ${p.name}\n    runner: ${p.runner}${p.image ? `\n    image: ${p.image}` : ''}`)).join('\n'),
    PUBLIC_KEY: DEFAULT_PUBLIC_KEY,
    PUBLIC_KEY_URL: await publicKeyUrl(root, options.checkout, options.env),
    PAKS_VERSION: paksVersion(),
    SPACK_VERSION: options.spackVersion,
    DEFAULT_BRANCH: options.checkout ? await currentBranch(root, options.env) : 'main',
  };
}

async function defaultRegistry(root: string, checkout: boolean, env?: NodeJS.ProcessEnv): Promise<string> {
  const github = checkout ? await originGithubRepository(root, env) : undefined;
  if (github) return `ghcr.io/${github.owner}/${github.name}`.toLowerCase();
  throw new PaksError('usage', `paks repo init needs --registry: ${basename(root)} is not a clone of a GitHub repository, so there is no ghcr.io default.`, {
    hint: `For example: paks repo init ${basename(root)} --registry ghcr.io/YOUR-ORG/${basename(root).toLowerCase()}`,
  });
}

async function publicKeyUrl(root: string, checkout: boolean, env?: NodeJS.ProcessEnv): Promise<string> {
  const github = checkout ? await originGithubRepository(root, env) : undefined;
  return github ? `https://raw.githubusercontent.com/${github.owner}/${github.name}/HEAD/${DEFAULT_PUBLIC_KEY}` : `<this repository>/raw/HEAD/${DEFAULT_PUBLIC_KEY}`;
}

export async function currentBranch(root: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const head = await git(root, ['symbolic-ref', '--short', 'HEAD'], { check: false, ...(env ? { env } : {}) });
  return head.exitCode === 0 && head.stdout.trim() ? head.stdout.trim() : 'main';
}

export { REPO_CONFIG_FILE };
