/**
 * `paks update`: for each package of a community repository, find the newest upstream
 * version its rules allow and, with --apply, add it to package.py. A package whose upstream
 * cannot be checked is reported with one sentence; the others go on.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError, PaksError } from '../errors.js';
import { mapWithConcurrency } from '../oci/pool.js';
import { listPackages, type PackageRepository } from '../repository/source.js';
import type { CommunityRepository } from '../repo/config.js';
import type { SpackRunner } from '../spack/runner.js';
import { withTemporaryScope } from '../spack/scope.js';
import type { Reporter } from '../ui/reporter.js';
import { addUpstreamVersion, type AddedVersion } from './apply.js';
import type { DownloadOptions } from './checksum.js';
import type { PullRequestOptions } from './pull-request.js';
import { detect, type Detection, type ReleaseLister } from './detect.js';
import { readRecipe } from './recipe.js';
import { spackPackageVersions } from './spack-versions.js';
import { defaultRules } from './rules.js';

const CHECK_CONCURRENCY = 4;

export type UpdateAction = 'up to date' | 'silenced' | 'update available' | 'added' | 'pull request' | 'skipped' | 'failed';

export interface PackageUpdate extends Detection {
  action: UpdateAction;
  /** What happened, for a person (the PR URL, why it was skipped, why it failed). */
  detail: string | undefined;
  added: AddedVersion | undefined;
  pullRequest: { number: number; url: string } | undefined;
}

export interface UpdateReport {
  packages: PackageUpdate[];
  /** True when any package could not be checked or updated (exit code 1). */
  failed: boolean;
}

export interface UpdateOptions {
  packages: readonly string[];
  apply: boolean;
  pre: boolean;
  spack: SpackRunner;
  github?: ReleaseLister | undefined;
  pypiUrl?: string | undefined;
  download?: DownloadOptions;
  reporter?: Reporter;
  /** --pr: propose each new version as a pull request instead of editing in place. */
  pullRequests?: Omit<PullRequestOptions, 'spack' | 'download' | 'reporter'>;
}

/** Detection for every selected package, in name order. */
export async function checkPackages(repo: CommunityRepository, spackRepo: PackageRepository, options: UpdateOptions): Promise<PackageUpdate[]> {
  const all = await listPackages(spackRepo);
  const unknown = options.packages.filter((name) => !all.includes(name));
  if (unknown.length) {
    throw new PaksError('usage', `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a package' : 'are not packages'} of the repository at ${repo.root}.`, {
      hint: `Its packages are: ${all.join(', ') || '(none yet)'}.`,
    });
  }
  const selected = options.packages.length ? [...new Set(options.packages)].sort() : all;
  return withTemporaryScope({ dialect: await options.spack.dialect(), repos: [spackRepo.root] }, async (scope) => {
    const spack = scope ? options.spack.withScope(scope.dir) : options.spack;
    let known: Map<string, string[]> | undefined;
    try {
      known = await spackPackageVersions(spack, spackRepo.namespace);
    } catch (error) {
      options.reporter?.debug(`reading versions from package.py files instead: ${describeError(error)}`);
    }
    // A few packages at a time: most of the time goes to waiting on upstream servers.
    return mapWithConcurrency(selected, CHECK_CONCURRENCY, async (name): Promise<PackageUpdate> => {
      options.reporter?.info(`Checking ${name}`);
      const rules = repo.config.packages[name]?.update ?? defaultRules;
      const recipe = readRecipe(name, await readFile(recipeFile(spackRepo, name), 'utf8'));
      const found = await detect(recipe, rules, { knownVersions: known?.get(name), spack, github: options.github, pypiUrl: options.pypiUrl, pre: options.pre, ...(options.download?.fetch ? { fetch: options.download.fetch } : {}) });
      return {
        ...found,
        action: found.error ? 'failed' : found.source === 'none' ? 'silenced' : found.update ? 'update available' : 'up to date',
        detail: found.error,
        added: undefined,
        pullRequest: undefined,
      };
    });
  });
}

/** `paks update [--apply | --pr]`: check every package, then add new versions in place or propose them. */
export async function updatePackages(repo: CommunityRepository, spackRepo: PackageRepository, options: UpdateOptions): Promise<UpdateReport> {
  const packages = await checkPackages(repo, spackRepo, options);
  if (options.pullRequests) {
    const { openUpdatePullRequests } = await import('./pull-request.js');
    await openUpdatePullRequests(packages, repo, spackRepo, { ...options.pullRequests, spack: options.spack, ...(options.download ? { download: options.download } : {}), ...(options.reporter ? { reporter: options.reporter } : {}) });
  } else if (options.apply) {
    await withTemporaryScope({ dialect: await options.spack.dialect(), repos: [spackRepo.root] }, async (scope) => {
      const spack = scope ? options.spack.withScope(scope.dir) : options.spack;
      for (const entry of packages) {
        if (entry.action !== 'update available' || !entry.update) continue;
        options.reporter?.info(`Adding ${entry.package} ${entry.update.version.text}`);
        try {
          entry.added = await addUpstreamVersion(recipeFile(spackRepo, entry.package), entry.package, entry.update, { ...options.download, spack });
          entry.action = 'added';
          entry.detail = `sha256 ${entry.added.sha256}`;
        } catch (error) {
          entry.action = 'failed';
          entry.detail = describeError(error).replace(/\.?$/, '.');
        }
      }
    });
  }
  return { packages, failed: packages.some((p) => p.action === 'failed') };
}

export function recipeFile(spackRepo: PackageRepository, name: string): string {
  return join(spackRepo.packagesDir, name, 'package.py');
}
