/**
 * What the catalogue says about who publishes: the publisher key committed beside the recipes
 * (published as keys/publisher.asc, its fingerprint in the documents, so a new user trusts it in
 * the same copy-paste as the install), where the recipes live on GitHub, and how releases are tagged.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { loadRepoConfig, releaseTag } from '../repo/config.js';
import { originGithubRepository } from '../repo/git.js';
import { DEFAULT_PUBLIC_KEY } from '../repo/init.js';
import type { PackageRepository } from '../repository/source.js';
import { readAcceptedPublicKeys } from '../trust/public-key.js';

/** Where the catalogue publishes the publisher key, relative to the site root. */
export const PUBLISHER_KEY_PATH = 'keys/publisher.asc';

export interface PublisherFacts {
  key?: { fingerprint: string; armored: Buffer };
  /** The repository's web address, e.g. https://github.com/org/packages. */
  sourceUrl?: string;
  /** Recipes' folder inside that repository, e.g. packages. */
  packagesPath?: string;
  releaseTag?: (name: string, version: string) => string;
}

/** Reads what there is; each fact is left out when the repository does not have it. */
export async function readPublisher(repository: PackageRepository, env: NodeJS.ProcessEnv): Promise<PublisherFacts> {
  const facts: PublisherFacts = {};
  const armored = await readFile(join(repository.root, DEFAULT_PUBLIC_KEY)).catch(() => undefined);
  if (armored) {
    const [key] = await readAcceptedPublicKeys(armored, DEFAULT_PUBLIC_KEY).catch(() => []);
    if (key) facts.key = { fingerprint: key.fingerprint, armored };
  }
  const github = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL.replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}` : undefined;
  const origin = github ? undefined : await originGithubRepository(repository.root, env).catch(() => undefined);
  const sourceUrl = github ?? (origin ? `https://github.com/${origin.owner}/${origin.name}` : undefined);
  if (sourceUrl) {
    facts.sourceUrl = sourceUrl;
    facts.packagesPath = relative(repository.root, repository.packagesDir).split(/[\\/]/).join('/') || 'packages';
  }
  const config = await loadRepoConfig(repository.root).catch(() => undefined);
  if (config && sourceUrl) facts.releaseTag = (name, version) => releaseTag(config, name, version);
  return facts;
}
