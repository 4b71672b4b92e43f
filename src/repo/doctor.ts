/**
 * `paks repo doctor`: what a package repository still lacks to publish and serve, each with
 * its fix. Reads only: GitHub's settings (the same list `paks repo setup` writes), the
 * committed publisher key against the fingerprint recorded with the secret, the workflows
 * against what this Paks would write, and each package's visibility to an anonymous pull.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatRepository, getRepository, type GitHubRepository, type Octokit } from '../github/index.js';
import { ANONYMOUS, staticCredentials } from '../oci/auth/credentials.js';
import { createRegistryClient } from '../oci/client.js';
import { describeError } from '../errors.js';
import type { CommunityRepository } from './config.js';
import { DEFAULT_PUBLIC_KEY, templateValues } from './init.js';
import { readRepoPackages, spackRepositoryAt } from './packages.js';
import { committedKeyFingerprint, repositorySettings, settle } from './setup.js';
import { renderTemplate, repositoryTemplates } from './templates.js';

export interface Finding {
  check: string;
  ok: boolean;
  /** What is there now. */
  detail: string;
  /** What to do, when not ok. */
  fix?: string;
}

export interface DoctorOptions {
  octokit: Octokit;
  repository: GitHubRepository;
  spackVersion: string;
  env: NodeJS.ProcessEnv;
  /** For tests and plain-HTTP registries: how to reach the registry anonymously. */
  plainHttp?: boolean;
}

export interface DoctorReport {
  repository: string;
  findings: Finding[];
  ok: boolean;
}

async function namespaceOf(root: string): Promise<string> {
  const text = await readFile(join(root, 'repo.yaml'), 'utf8').catch(() => '');
  return /namespace:\s*['"]?([A-Za-z0-9_.]+)/.exec(text)?.[1] ?? 'packages';
}

/** Each workflow file against what `paks repo upgrade` would write now (its dry run: one rule for both). */
async function workflowFindings(community: CommunityRepository, options: DoctorOptions): Promise<Finding[]> {
  const { upgradeRepository } = await import('./upgrade.js');
  const files = await upgradeRepository(community, { spackVersion: options.spackVersion, dryRun: true, ...(options.env ? { env: options.env } : {}) });
  return files
    .filter((file) => file.target.startsWith('.github/workflows/'))
    .map((file) => {
      const ok = file.status === 'unchanged';
      return {
        check: `Workflow ${file.target}`,
        ok,
        detail: file.status === 'created' ? 'missing' : ok ? 'current' : file.status === 'kept' ? `differs from what this Paks writes (${file.reason})` : 'differs from what this Paks writes',
        ...(ok ? {} : { fix: `paks repo upgrade${file.status === 'kept' ? ' --force' : ''}, then commit the workflows in a pull request` }),
      };
    });
}

/** Where GitHub shows a container package's settings (its visibility is changed there, by hand). */
export function packageSettingsUrl(owner: string, ownerType: string | undefined, image: string): string {
  const name = encodeURIComponent(image);
  return ownerType === 'Organization' ? `https://github.com/orgs/${owner}/packages/container/${name}/settings` : `https://github.com/users/${owner}/packages/container/${name}/settings`;
}

/** Whether each package's image can be pulled without credentials, as a user's `paks install` does. */
async function visibilityFindings(community: CommunityRepository, options: DoctorOptions, ownerType: string | undefined): Promise<Finding[]> {
  const packages = [...(await readRepoPackages(await spackRepositoryAt(community.root))).keys()].sort();
  const [registry, ...path] = community.config.registry.split('/');
  const client = createRegistryClient({ credentials: staticCredentials(ANONYMOUS), retry: { attempts: 1 }, responseTimeoutMs: 10_000, ...(options.plainHttp !== undefined ? { plainHttp: options.plainHttp } : {}) });
  const findings: Finding[] = [];
  try {
    for (const name of packages) {
      const repository = [...path, name].join('/');
      const where = `${registry}/${repository}`;
      try {
        const tags = await client.listTags({ registry: registry!, repository });
        findings.push({ check: `Package ${where}`, ok: true, detail: `public (${tags.length} tag${tags.length === 1 ? '' : 's'})` });
      } catch (error) {
        const image = [...path.slice(1), name].join('/');
        const fix = registry === 'ghcr.io'
          ? `once the first build has pushed it, set its visibility to Public under "Danger Zone" at ${packageSettingsUrl(path[0] ?? options.repository.owner, ownerType, image)} (GitHub has no API for this)`
          : `make ${where} readable without credentials in the registry's settings`;
        findings.push({ check: `Package ${where}`, ok: false, detail: `not pullable anonymously (${describeError(error).replace(/\.$/, '')}): private, or not pushed yet`, fix });
      }
    }
  } finally {
    await client.close();
  }
  return findings;
}

export async function diagnoseRepository(community: CommunityRepository, options: DoctorOptions): Promise<DoctorReport> {
  const { octokit, repository } = options;
  const findings: Finding[] = [];
  const info = await getRepository(octokit, repository);

  const committed = await committedKeyFingerprint(community.root);
  findings.push(
    committed
      ? { check: `Publisher key ${DEFAULT_PUBLIC_KEY}`, ok: true, detail: `key ${committed}` }
      : { check: `Publisher key ${DEFAULT_PUBLIC_KEY}`, ok: false, detail: 'missing or not an OpenPGP public key', fix: 'paks repo setup (writes and commits it), then push it in a pull request' },
  );
  for (const setting of repositorySettings(octokit, repository, { fingerprint: committed })) {
    const outcome = await settle(setting, repository, true);
    findings.push(
      outcome.state === 'unchanged'
        ? { check: outcome.name, ok: true, detail: outcome.detail }
        : { check: outcome.name, ok: false, detail: outcome.state === 'refused' ? 'the token may not read it' : outcome.detail.split('; ')[0]!, fix: outcome.state === 'refused' ? outcome.detail : `paks repo setup, or ${setting.byHand}` },
    );
  }
  findings.push(...(await workflowFindings(community, options)));
  findings.push(...(await visibilityFindings(community, options, info.ownerType)));
  return { repository: formatRepository(repository), findings, ok: findings.every((f) => f.ok) };
}

export function doctorSummary(report: DoctorReport): string[] {
  const lines = report.findings.map((f) => `${f.ok ? 'ok     ' : 'MISSING'} ${f.check}: ${f.detail}${f.fix ? `\n        fix: ${f.fix}` : ''}`);
  const missing = report.findings.filter((f) => !f.ok).length;
  lines.push(missing ? `${report.repository}: ${missing} thing${missing === 1 ? '' : 's'} to fix before it publishes and serves.` : `${report.repository} is ready to publish and serve.`);
  return lines;
}
