import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { writeFileAtomic } from '../fs/atomic.js';
import { paksVersion } from '../version.js';
import type { CommunityRepository } from './config.js';
import { git } from './git.js';
import { DEFAULT_PUBLIC_KEY, currentBranch } from './init.js';
import { isManagedTarget, renderTemplate, repositoryTemplates, stampRendered, unchangedSinceRendered } from './templates.js';

export interface UpgradedFile {
  /** Relative to the repository root. */
  target: string;
  /** created / updated: written; unchanged: already what this Paks writes; kept: changed by someone, not written. */
  status: 'created' | 'updated' | 'unchanged' | 'kept';
  /** `git diff` of the file as it is and as this Paks writes it (empty when unchanged). */
  diff: string;
  reason?: string;
}

export interface UpgradeOptions {
  /** The Spack release CI installs (the spack_version setting). */
  spackVersion: string;
  /** Also rewrite files someone changed since Paks wrote them. */
  force?: boolean;
  /** Show the diff, write nothing. */
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * `paks repo upgrade`: the workflows (and dependabot.yml) rendered again by the running Paks,
 * as `conda smithy rerender` does. paks.yaml, the README and the recipes are never touched.
 * A file whose Paks stamp no longer matches its text was changed by a person (or Dependabot):
 * it is shown and kept unless `force`.
 */
export async function upgradeRepository(repo: CommunityRepository, options: UpgradeOptions): Promise<UpgradedFile[]> {
  const gitOptions = options.env ? { env: options.env } : {};
  const values = {
    PAKS_VERSION: paksVersion(),
    SPACK_VERSION: options.spackVersion,
    REGISTRY: repo.config.registry,
    PUBLIC_KEY: repo.config.signing.public_key ?? DEFAULT_PUBLIC_KEY,
    DEFAULT_BRANCH: (await defaultBranchOfWorkflow(repo.root)) ?? (await currentBranch(repo.root, options.env)),
  };
  const scratch = await mkdtemp(join(tmpdir(), 'paks-upgrade-'));
  const files: UpgradedFile[] = [];
  try {
    for (const { template, target } of (await repositoryTemplates()).filter((t) => isManagedTarget(t.target))) {
      const path = join(repo.root, target);
      const next = stampRendered(await renderTemplate(template, values), values.PAKS_VERSION);
      const current = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (current === next || (current !== undefined && withoutStamp(current) === withoutStamp(next))) {
        files.push({ target, status: 'unchanged', diff: '' });
        continue;
      }
      const diff = await diffOf(scratch, target, current ?? '', next, gitOptions);
      const touched = current !== undefined && unchangedSinceRendered(current) !== true;
      if (touched && !options.force) {
        const reason = unchangedSinceRendered(current) === undefined ? 'it carries no Paks stamp (written by an older Paks, or by hand)' : 'it changed since Paks wrote it';
        files.push({ target, status: 'kept', diff, reason });
        continue;
      }
      if (!options.dryRun) {
        await mkdir(dirname(path), { recursive: true });
        // Through a symbolic link: the link stays, its target gets the new text.
        await writeFileAtomic(await realpath(path).catch(() => path), next);
      }
      files.push({ target, status: current === undefined ? 'created' : 'updated', diff });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return files;
}

/** The branch the current build.yml builds on push, so an upgrade keeps it. */
async function defaultBranchOfWorkflow(root: string): Promise<string | undefined> {
  const text = await readFile(join(root, '.github', 'workflows', 'build.yml'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const branch = (parse(text) as { on?: { push?: { branches?: unknown[] } } })?.on?.push?.branches?.[0];
    return typeof branch === 'string' && /^[\w./-]+$/.test(branch) ? branch : undefined;
  } catch {
    return undefined;
  }
}

function withoutStamp(text: string): string {
  return text.replace(/\n\n# Rendered by Paks [^\n]*\n$/, '\n');
}

async function diffOf(scratch: string, target: string, before: string, after: string, gitOptions: { env?: NodeJS.ProcessEnv }): Promise<string> {
  const dir = await mkdtemp(join(scratch, 'diff-'));
  await mkdir(join(dir, 'a', dirname(target)), { recursive: true });
  await mkdir(join(dir, 'b', dirname(target)), { recursive: true });
  await writeFile(join(dir, 'a', target), before);
  await writeFile(join(dir, 'b', target), after);
  const result = await git(dir, ['diff', '--no-index', '--no-color', '--', join('a', target), join('b', target)], { ...gitOptions, check: false });
  return result.stdout;
}
