import { relative, sep } from 'node:path';
import { PaksError } from '../errors.js';
import { buildPlatforms, type BuildPlatform, type CommunityRepository } from './config.js';
import { git } from './git.js';
import { dependentsOf, readRepoPackages, spackRepositoryAt, stagesOf } from './packages.js';

/** GitHub runs at most 256 jobs from one matrix. */
export const MAX_MATRIX_JOBS = 256;

export interface ChangedPackage {
  name: string;
  /** changed: its folder changed; dependent: it depends on a changed package. */
  reason: 'changed' | 'dependent';
  /** The build stage (after splitting for the matrix limit): every dependency is in an earlier one. */
  stage: number;
  dependsOn: string[];
  /** The platforms' names. */
  platforms: string[];
  /** Where each platform builds: its runner and container image. */
  environments: BuildPlatform[];
}

export interface ChangedReport {
  /** What the comparison was made with: a commit, or null for "every package". */
  since: string | null;
  packages: ChangedPackage[];
  stages: number;
}

export interface MatrixEntry {
  package: string;
  platform: string;
  /** The job's runs-on and container ('' runs on the runner itself). */
  runner: string;
  image: string;
  stage: number;
}

export interface ChangedOptions {
  /** A commit to compare with; '' or 40 zeros (a first push) means every package. Default: the merge base with the default branch. */
  since?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** `paks repo changed`: packages whose folder changed since a commit, plus their dependents here. */
export async function changedPackages(repo: CommunityRepository, options: ChangedOptions = {}): Promise<ChangedReport> {
  const spackRepo = await spackRepositoryAt(repo.root);
  const packages = await readRepoPackages(spackRepo);
  const gitOptions = options.env ? { env: options.env } : {};
  const everything = options.since !== undefined && (options.since.trim() === '' || /^0+$/.test(options.since.trim()));
  let since: string | null = null;
  const changedDirs = new Set<string>();
  if (everything) {
    for (const name of packages.keys()) changedDirs.add(name);
  } else {
    since = options.since ? await resolveCommit(repo.root, options.since, gitOptions) : await mergeBaseWithDefaultBranch(repo.root, gitOptions);
    const top = (await git(repo.root, ['rev-parse', '--show-toplevel'], gitOptions)).stdout.trim();
    const prefix = relative(top, spackRepo.packagesDir).split(sep).join('/');
    const diff = await git(repo.root, ['diff', '--name-only', '--no-renames', since, '--', prefix], { ...gitOptions, doing: `compare with ${since}` });
    const untracked = await git(repo.root, ['ls-files', '--others', '--exclude-standard', '--', prefix], gitOptions);
    for (const file of `${diff.stdout}\n${untracked.stdout}`.split('\n')) {
      const inside = file.startsWith(`${prefix}/`) ? file.slice(prefix.length + 1) : undefined;
      const name = inside?.split('/')[0];
      if (name && inside!.includes('/') && packages.has(name)) changedDirs.add(name);
    }
  }
  const dependents = dependentsOf(packages, changedDirs);
  const selected = new Set([...changedDirs, ...dependents]);
  const depth = stagesOf(packages, selected);
  const list = [...selected].sort((a, b) => depth.get(a)! - depth.get(b)! || a.localeCompare(b)).map((name) => ({
    name,
    reason: changedDirs.has(name) ? ('changed' as const) : ('dependent' as const),
    stage: depth.get(name)!,
    dependsOn: packages.get(name)!.dependsOn.filter((d) => selected.has(d)),
    platforms: buildPlatforms(repo.config, name).map((p) => p.name),
    environments: buildPlatforms(repo.config, name),
  }));
  const split = splitStages(list);
  return { since, packages: split, stages: split.length ? Math.max(...split.map((p) => p.stage)) + 1 : 0 };
}

/** Renumbers stages so that none has more than 256 jobs: a big depth becomes several stages in a row. */
function splitStages(list: ChangedPackage[]): ChangedPackage[] {
  const out: ChangedPackage[] = [];
  let stage = 0;
  const depths = [...new Set(list.map((p) => p.stage))].sort((a, b) => a - b);
  for (const depth of depths) {
    let jobs = 0;
    let used = false;
    for (const pkg of list.filter((p) => p.stage === depth)) {
      if (used && jobs + pkg.platforms.length > MAX_MATRIX_JOBS) {
        stage++;
        jobs = 0;
      }
      out.push({ ...pkg, stage });
      jobs += pkg.platforms.length;
      used = true;
    }
    stage++;
  }
  return out;
}

/** The `{"include":[...]}` of a GitHub Actions matrix: every package × platform (of one stage). */
export function matrixOf(report: ChangedReport, stage?: number): { include: MatrixEntry[] } {
  return {
    include: report.packages
      .filter((p) => stage === undefined || p.stage === stage)
      .flatMap((p) => matrixEntries(p, p.stage)),
  };
}

/**
 * The matrices of a workflow with `jobs` stage jobs: stage-0 … stage-(jobs-1), the last also
 * taking any later stages (there a package may build a same-stage dependency itself).
 */
export function stageOutputs(report: ChangedReport, jobs: number): Record<string, string> {
  const outputs: Record<string, string> = { stages: String(Math.min(report.stages, jobs)) };
  for (let stage = 0; stage < jobs; stage++) {
    const include = report.packages
      .filter((p) => (stage === jobs - 1 ? p.stage >= stage : p.stage === stage))
      .flatMap((p) => matrixEntries(p, stage));
    outputs[`stage-${stage}`] = JSON.stringify({ include });
  }
  return outputs;
}

function matrixEntries(pkg: ChangedPackage, stage: number): MatrixEntry[] {
  return pkg.environments.map((e) => ({ package: pkg.name, platform: e.name, runner: e.runner, image: e.image, stage }));
}

async function resolveCommit(root: string, ref: string, options: { env?: NodeJS.ProcessEnv }): Promise<string> {
  if (ref.startsWith('-')) throw new PaksError('usage', `--since ${ref} is not a commit.`);
  const result = await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { ...options, check: false });
  if (result.exitCode !== 0) {
    throw new PaksError('usage', `--since ${ref} names no commit in this repository.`, { hint: 'Give a branch, tag or commit that exists here (in CI, fetch the history: actions/checkout with fetch-depth: 0).' });
  }
  return result.stdout.trim();
}

/** The merge base of HEAD and the default branch (origin's HEAD, else main or master). */
async function mergeBaseWithDefaultBranch(root: string, options: { env?: NodeJS.ProcessEnv }): Promise<string> {
  const candidates: string[] = [];
  const originHead = await git(root, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], { ...options, check: false });
  if (originHead.exitCode === 0 && originHead.stdout.trim()) candidates.push(originHead.stdout.trim());
  candidates.push('origin/main', 'origin/master', 'main', 'master');
  for (const branch of candidates) {
    const base = await git(root, ['merge-base', 'HEAD', branch], { ...options, check: false });
    if (base.exitCode === 0 && base.stdout.trim()) return base.stdout.trim();
  }
  throw new PaksError('usage', 'Cannot tell what changed: this repository has no default branch (main, master or origin/HEAD) with a common commit, or no commit yet.', {
    hint: 'Commit first, or pass --since REF.',
  });
}
