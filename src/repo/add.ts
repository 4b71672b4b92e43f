import { access, cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import { PACKAGE_NAME, buildCacheOf, type CommunityRepository } from './config.js';
import { spackRepositoryAt } from './packages.js';

export interface AddOptions {
  /** Copy the recipe (and its patches) from the Spack that Paks uses. */
  fromSpack?: boolean;
  /** Create a new recipe for this tarball with `spack create`. */
  url?: string | undefined;
  force?: boolean;
}

export interface AddReport {
  name: string;
  dir: string;
  /** Where it came from: a recipe folder of Spack, or the URL. */
  source: string;
  files: string[];
}

/** `paks repo add NAME`: a recipe into the repository's packages/. */
export async function addPackage(client: PaksClient, repo: CommunityRepository, name: string, options: AddOptions): Promise<AddReport> {
  if (!PACKAGE_NAME.test(name)) {
    throw new PaksError('usage', `'${name}' is not a Spack package name: use lowercase letters, digits and dashes, starting with a letter or digit.`);
  }
  if (buildCacheOf(repo.config) === `${repo.config.registry}/${name}`) {
    throw new PaksError('conflict', `${name} would be pushed to ${repo.config.registry}/${name}, where this repository keeps its Spack build cache of dependencies.`, {
      hint: `Set build_cache in paks.yaml to another place (e.g. ${repo.config.registry}/dependencies) first.`,
    });
  }
  if (Boolean(options.fromSpack) === Boolean(options.url)) {
    throw new PaksError('usage', options.fromSpack ? 'Give either --from-spack or --url, not both.' : `Say where the recipe of ${name} comes from: --from-spack (copy Spack's) or --url URL (a new one for that tarball).`);
  }
  const spackRepo = await spackRepositoryAt(repo.root);
  const dir = join(spackRepo.packagesDir, name);
  const exists = await access(join(dir, 'package.py')).then(() => true, () => false);
  if (exists && !options.force) {
    throw new PaksError('conflict', `This repository already has a recipe for ${name} (${join(dir, 'package.py')}).`, { hint: 'Edit it, or pass --force to replace it.' });
  }
  const spack = await client.spack();
  if (options.fromSpack) {
    const located = await spack.run(['location', '--package-dir', name], { allowFailure: true });
    if (located.exitCode !== 0) {
      const unknown = /UnknownPackageError|not found|Unknown package/i.test(located.stderr);
      throw new PaksError(unknown ? 'not-found' : 'spack', unknown ? `Spack has no package named ${name}.` : `Spack could not find the recipe of ${name}: ${located.stderr.trim().split('\n')[0]?.replace(/^==> Error: /, '')}`, {
        hint: unknown ? 'Check the name with "spack list NAME", or create a new recipe with --url URL.' : undefined,
      });
    }
    const source = located.stdout.trim().split('\n').pop()!;
    if (source === dir) throw new PaksError('usage', `Spack's recipe of ${name} is this repository's own (${dir}).`);
    // The recipe folder: package.py and its patches; never Python caches. Copied over what is
    // there (--force replaces files of the same name); nothing else in the folder is removed.
    await cp(source, dir, { recursive: true, filter: (path) => !/(^|\/)(__pycache__|\.pyc)$|\.pyc$/.test(path) });
    return { name, dir, source, files: await listFiles(dir) };
  }
  const url = options.url!;
  if (!/^(https?|file|ftp):\/\//.test(url)) throw new PaksError('usage', `--url ${url} is not a URL (https://…/name-1.0.tar.gz).`);
  const args = ['create', '--skip-editor', '--repo', spackRepo.root, '--name', name];
  if (options.force) args.push('--force');
  args.push(url);
  await spack.run(args, { live: true, doing: `create a recipe for ${name} from ${url}` });
  return { name, dir, source: url, files: await listFiles(dir) };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).sort();
}
