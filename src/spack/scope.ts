import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SpackDialect } from './dialect/index.js';
import { reposSection } from './dialect/repos.js';
import { removeOnInterrupt } from '../interruption.js';

export interface ScopeContent {
  /** The Spack that reads the scope (its `repos:` form differs); 0.23's list when not given. */
  dialect?: SpackDialect;
  /** Package repositories that take precedence over the configured ones. */
  repos?: string[];
  /** Mirrors by name: a `file://` URL or path, and whether Spack should check signatures. */
  mirrors?: Record<string, { url: string; signed?: boolean }>;
  /** Settings for config.yaml (e.g. `install_tree: { padded_length: 128 }`). */
  config?: Record<string, unknown>;
  /** Settings for packages.yaml (e.g. `all: { require: 'target=x86_64_v2' }`). */
  packages?: Record<string, unknown>;
  /** Settings for concretizer.yaml (e.g. `targets: { granularity: 'generic' }`). */
  concretizer?: Record<string, unknown>;
}

/** The plain configuration sections a scope may carry, each written to `<section>.yaml`. */
const SECTIONS = ['config', 'packages', 'concretizer'] as const;

/**
 * A temporary Spack configuration scope (`spack -C DIR`): Paks adds repositories and
 * mirrors there, never in the user's own configuration, and removes it afterwards.
 */
export class TemporaryScope {
  private readonly forget: () => void;
  private constructor(readonly dir: string) {
    this.forget = removeOnInterrupt(dir);
  }

  static async create(content: ScopeContent, parent = tmpdir()): Promise<TemporaryScope> {
    const dir = await mkdtemp(join(parent, 'paks-scope-'));
    const scope = new TemporaryScope(dir);
    try {
      for (const section of SECTIONS) {
        const value = content[section];
        if (value && Object.keys(value).length) await writeFile(join(dir, `${section}.yaml`), stringify({ [section]: value }));
      }
      if (content.repos?.length) await writeFile(join(dir, 'repos.yaml'), stringify({ repos: content.dialect ? reposSection(content.dialect, content.repos) : content.repos }));
      if (content.mirrors && Object.keys(content.mirrors).length) {
        const mirrors: Record<string, unknown> = {};
        for (const [name, mirror] of Object.entries(content.mirrors)) {
          mirrors[name] = mirror.signed === undefined ? mirror.url : { url: mirror.url, signed: mirror.signed };
        }
        await writeFile(join(dir, 'mirrors.yaml'), stringify({ mirrors }));
      }
    } catch (error) {
      await scope.remove();
      throw error;
    }
    return scope;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    this.forget();
  }
}

/** Runs `work` with a temporary scope and always removes it. */
export async function withTemporaryScope<T>(content: ScopeContent, work: (scope: TemporaryScope | undefined) => Promise<T>): Promise<T> {
  if (!content.repos?.length && !Object.keys(content.mirrors ?? {}).length && SECTIONS.every((section) => !Object.keys(content[section] ?? {}).length)) return work(undefined);
  const scope = await TemporaryScope.create(content);
  try {
    return await work(scope);
  } finally {
    await scope.remove();
  }
}
