import { access, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import { PaksError } from '../errors.js';
import { withFileLock } from '../fs/atomic.js';
import { parseYamlFile } from '../fs/yaml-file.js';

/** A Spack package repository given on the command line: a folder or a GitHub repository. */
export interface PackageRepository {
  /** Folder holding repo.yaml. */
  root: string;
  namespace: string;
  /** Folder of the package recipes (packages/ unless repo.yaml says otherwise). */
  packagesDir: string;
  origin: string;
}

const GITHUB = /^(?:https?:\/\/)?(?:www\.)?github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/;

/** Whether a first argument names a repository rather than a spec. */
export async function looksLikeRepository(argument: string, cwd = process.cwd()): Promise<boolean> {
  if (GITHUB.test(argument)) return true;
  if (argument === '.' || argument.startsWith('./') || argument.startsWith('../') || isAbsolute(argument) || argument.startsWith('~/')) {
    return true;
  }
  // A bare word is a spec unless a folder with repo.yaml by that name is here.
  return access(join(resolve(cwd, argument), 'repo.yaml')).then(() => true, () => false);
}

export interface OpenRepositoryOptions {
  cwd?: string;
  /** Where GitHub repositories are cloned (under cache_dir). */
  cloneDir: string;
  env?: NodeJS.ProcessEnv;
}

export async function openRepository(argument: string, options: OpenRepositoryOptions): Promise<PackageRepository> {
  const github = GITHUB.exec(argument);
  if (github) {
    const [owner, name] = [github[1]!, github[2]!];
    const target = join(options.cloneDir, 'github.com', owner, name);
    await cloneShallow(`https://github.com/${owner}/${name}`, target, options.env);
    return readRepository(await findRepoRoot(target, argument), `github.com/${owner}/${name}`);
  }
  const folder = resolve(options.cwd ?? process.cwd(), argument);
  return readRepository(await findRepoRoot(folder, argument), folder);
}

/** repo.yaml at the top, or in a spack_repo/<name>/ or single subfolder (as community repos lay it out). */
async function findRepoRoot(folder: string, argument: string): Promise<string> {
  const exists = (path: string) => access(path).then(() => true, () => false);
  if (!(await exists(folder))) throw new PaksError('not-found', `The package repository ${argument} does not exist.`);
  if (await exists(join(folder, 'repo.yaml'))) return folder;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.name.startsWith('.') && (await exists(join(folder, entry.name, 'repo.yaml')))) {
      return join(folder, entry.name);
    }
  }
  throw new PaksError('usage', `${argument} is not a Spack package repository: it has no repo.yaml.`, {
    hint: 'Create one with "spack repo create DIR NAMESPACE", or give a spec instead.',
  });
}

async function readRepository(root: string, origin: string): Promise<PackageRepository> {
  const file = join(root, 'repo.yaml');
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new PaksError('usage', `Cannot read ${file}: ${error.message}.`);
  });
  const { data } = parseYamlFile(text, file, { kind: 'usage' });
  const repo = (data as { repo?: { namespace?: unknown; subdirectory?: unknown } } | null)?.repo;
  if (!repo || typeof repo.namespace !== 'string' || !/^[A-Za-z0-9_.]+$/.test(repo.namespace)) {
    throw new PaksError('usage', `${join(root, 'repo.yaml')} does not name a repository namespace (repo: namespace: NAME).`);
  }
  const sub = typeof repo.subdirectory === 'string' && repo.subdirectory ? repo.subdirectory : 'packages';
  if (sub.includes('..') || isAbsolute(sub)) throw new PaksError('usage', `${join(root, 'repo.yaml')} has an unsafe subdirectory '${sub}'.`);
  return { root, namespace: repo.namespace, packagesDir: join(root, sub), origin };
}

/** Every package recipe in the repository (folders with a package.py). */
export async function listPackages(repository: PackageRepository): Promise<string[]> {
  const entries = await readdir(repository.packagesDir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const hasRecipe = await access(join(repository.packagesDir, entry.name, 'package.py')).then(() => true, () => false);
    if (hasRecipe) names.push(entry.name);
  }
  return names.sort();
}

/** Clones (or refreshes) a repository shallowly; a failed clone leaves nothing behind. */
async function cloneShallow(url: string, target: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await mkdir(join(target, '..'), { recursive: true });
  await withFileLock(target, async () => {
    const git = (args: string[], cwd?: string) =>
      execa('git', args, { cwd, env: { ...env, GIT_TERMINAL_PROMPT: '0' }, extendEnv: false, reject: false, stdin: 'ignore' });
    const present = await access(join(target, '.git')).then(() => true, () => false);
    if (present) {
      const fetched = await git(['fetch', '--depth', '1', 'origin', 'HEAD'], target);
      if (fetched.exitCode === 0) await git(['reset', '--hard', 'FETCH_HEAD'], target);
      return; // an offline refresh keeps the copy we have
    }
    const existed = await access(target).then(() => true, () => false);
    const cloned = await git(['clone', '--depth', '1', url, target]);
    if (cloned.exitCode !== 0) {
      // Only what this clone made goes; a folder that was there before is not Paks' to remove.
      if (!existed) await rm(target, { recursive: true, force: true });
      const reason = String(cloned.stderr).trim().split('\n').pop() ?? 'git failed';
      throw new PaksError('network', `Could not clone ${url}: ${reason}.`, { hint: 'Check the name and your network, or clone it yourself and give the folder.' });
    }
  });
}
