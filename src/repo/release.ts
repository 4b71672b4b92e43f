import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import type { RegistryClient } from '../oci/client.js';
import { ANNOTATION_PREFIX } from '../buildcache/oci-platform.js';
import { releaseTag, type CommunityRepository } from './config.js';
import { readRepoPackages, recipeVersions, spackRepositoryAt } from './packages.js';

export interface ReleaseOptions {
  version?: string | undefined;
  /** OWNER/NAME; default GITHUB_REPOSITORY, else the origin remote. */
  githubRepo?: string | undefined;
  dryRun?: boolean;
  plainHttp?: boolean;
}

export interface ReleaseAssetPlan {
  name: string;
  contentType: string;
  data: Buffer;
}

export interface ReleasePlan {
  package: string;
  version: string;
  tag: string;
  title: string;
  body: string;
  /** `<registry>/<pkg>:<version>@sha256:…`: the platform index of this version. */
  reference: string;
  digest: string;
  platforms: string[];
  assets: ReleaseAssetPlan[];
}

export interface ReleaseReport {
  plan: ReleasePlan;
  /** OWNER/NAME, and what was done; absent with --dry-run. */
  repository?: string;
  url?: string;
  action?: 'created' | 'updated' | 'unchanged';
  assets?: Array<{ name: string; action: 'uploaded' | 'replaced' | 'unchanged' }>;
}

const SBOM_SUFFIXES = ['.cdx.json', '.spdx.json'];

/**
 * `paks release PKG`: a GitHub release for what the registry holds of a package version —
 * tag <pkg>-v<version>, a body with the install command, reference, digest and platforms,
 * the SBOMs of every platform and the publisher key as assets. Running it again updates the
 * same release.
 */
export async function releasePackage(client: PaksClient, repo: CommunityRepository, name: string, options: ReleaseOptions = {}): Promise<ReleaseReport> {
  const recipes = await readRepoPackages(await spackRepositoryAt(repo.root));
  const recipe = recipes.get(name);
  if (!recipe) {
    throw new PaksError('usage', `There is no package ${name} in this repository (${[...recipes.keys()].join(', ') || 'it has none yet'}).`);
  }
  const publicKeyPath = repo.config.signing.public_key;
  if (!publicKeyPath) throw new PaksError('settings', `${repo.configFile}: signing.public_key is not set, so there is no publisher key to attach to the release.`);
  const keyFile = resolve(repo.root, publicKeyPath);
  if (!keyFile.startsWith(`${repo.root}/`)) throw new PaksError('settings', `${repo.configFile}: signing.public_key ${publicKeyPath} is outside the repository.`);
  const publicKey = await readFile(keyFile).catch(() => {
    throw new PaksError('usage', `The publisher key ${publicKeyPath} (signing.public_key in paks.yaml) does not exist.`, { hint: `Export it once and commit it: paks key export ${publicKeyPath}` });
  });

  const registry = await client.registryClient({ plainHttp: options.plainHttp });
  let plan: ReleasePlan;
  try {
    const versions = options.version ? [options.version] : recipeVersions(await readFile(join(recipe.dir, 'package.py'), 'utf8'));
    plan = await planFromRegistry(registry, repo, name, versions, Boolean(options.version));
  } finally {
    await registry.close();
  }
  plan.assets.push({ name: basename(keyFile), contentType: 'application/pgp-keys', data: publicKey });
  if (options.dryRun) return { plan };

  const github = await import('../github/index.js');
  const resolved = await github.resolveGitHubRepository({ flag: options.githubRepo, env: client.env, cwd: repo.root });
  // Only owner and repo: the GitHub calls spread it into their parameters.
  const repository = { owner: resolved.owner, repo: resolved.repo };
  const octokit = github.createGitHubClient({ env: client.env, require: { permission: 'contents: write', repository, purpose: `release ${name}` } });
  const ensured = await github.ensureRelease(octokit, repository, {
    tag: plan.tag,
    name: plan.title,
    body: plan.body,
    ...(client.env.GITHUB_SHA ? { targetCommitish: client.env.GITHUB_SHA } : {}),
  });
  const assets: NonNullable<ReleaseReport['assets']> = [];
  for (const asset of plan.assets) {
    const uploaded = await github.uploadReleaseAsset(octokit, repository, ensured.release, { name: asset.name, data: asset.data, contentType: asset.contentType });
    assets.push({ name: asset.name, action: uploaded.action });
  }
  return { plan, repository: `${repository.owner}/${repository.repo}`, url: ensured.release.htmlUrl, action: ensured.action, assets };
}

async function planFromRegistry(registry: RegistryClient, repo: CommunityRepository, name: string, versions: string[], explicit: boolean): Promise<ReleasePlan> {
  const { parseReference, formatReference } = await import('../oci/reference.js');
  const target = `${repo.config.registry}/${name}`;
  const base = parseReference(target);
  const repository = { registry: base.registry, repository: base.repository };
  let version: string | undefined;
  let digest: string | undefined;
  for (const candidate of versions) {
    digest = await registry.manifestDigest({ ...repository, tag: candidate });
    if (digest) {
      version = candidate;
      break;
    }
  }
  if (!version || !digest) {
    throw new PaksError('not-found', `${target} has no ${explicit ? `version ${versions[0]}` : `version of the recipe (${versions.join(', ') || 'it declares none'})`}, so there is nothing to release.`, {
      hint: `Push it first: paks repo build ${name} --push`,
    });
  }
  const reference = { ...repository, tag: version, digest };
  const fetched = await registry.getManifest(reference);
  const entries = fetched.kind === 'index' ? fetched.index.manifests : [{ digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.bytes.length, annotations: fetched.manifest.annotations }];
  const platforms: string[] = [];
  const assets: ReleaseAssetPlan[] = [];
  for (const entry of entries) {
    const label = platformLabel(entry as { annotations?: Record<string, string>; platform?: { os?: string; architecture?: string } });
    platforms.push(label);
    const manifest = await registry.getManifest({ ...repository, digest: entry.digest });
    if (manifest.kind !== 'manifest') continue;
    // The artifact carries the SBOMs of its whole closure; the release carries the package's own.
    const hash = (entry as { annotations?: Record<string, string> }).annotations?.[`${ANNOTATION_PREFIX}hash`] ?? manifest.manifest.annotations?.[`${ANNOTATION_PREFIX}hash`];
    for (const layer of manifest.manifest.layers) {
      const title = layer.annotations?.['org.opencontainers.image.title'] ?? '';
      const suffix = SBOM_SUFFIXES.find((s) => title.endsWith(s));
      if (!suffix || !hash || !title.endsWith(`-${hash}${suffix}`)) continue;
      const asset = `${name}-${version}-${label}${suffix}`;
      if (assets.some((a) => a.name === asset)) continue;
      const bytes = await registry.fetchBlobBytes(repository, layer, 64 * 1024 * 1024);
      assets.push({ name: asset, contentType: 'application/json', data: bytes });
    }
  }
  const tag = releaseTag(repo.config, name, version);
  const pinned = formatReference(reference);
  const body = [
    `${name} ${version}, built, tested and signed by this repository's CI.`,
    '',
    'Install it with [Paks](https://www.npmjs.com/package/paks):',
    '',
    '```bash',
    `paks key trust ${basename(repo.config.signing.public_key ?? 'publisher.asc')}   # the publisher key attached here, once`,
    `paks install ${name}@${version} --registry ${repo.config.registry}`,
    '```',
    '',
    `Artifact: \`${pinned}\``,
    '',
    `Digest: \`${digest}\``,
    '',
    'Platforms:',
    ...platforms.map((p) => `- ${p}`),
    '',
    `Assets: the CycloneDX and SPDX SBOMs of ${name} on each platform, and the publisher key.`,
  ].join('\n');
  return { package: name, version, tag, title: `${name} ${version}`, body, reference: pinned, digest, platforms, assets };
}

function platformLabel(entry: { annotations?: Record<string, string>; platform?: { os?: string; architecture?: string } }): string {
  const a = entry.annotations ?? {};
  const os = a[`${ANNOTATION_PREFIX}os`];
  const target = a[`${ANNOTATION_PREFIX}target`];
  if (os && target) return `${os}-${target}`;
  return `${entry.platform?.os ?? 'unknown'}-${entry.platform?.architecture ?? 'unknown'}`;
}

export interface ReleaseOutcome {
  package: string;
  report?: ReleaseReport;
  error?: PaksError;
}

/** Releases each package on its own: one that fails is reported, and the others still go. */
export async function releasePackages(client: PaksClient, repo: CommunityRepository, names: readonly string[], options: ReleaseOptions = {}): Promise<ReleaseOutcome[]> {
  const outcomes: ReleaseOutcome[] = [];
  for (const name of names) {
    try {
      outcomes.push({ package: name, report: await releasePackage(client, repo, name, options) });
    } catch (error) {
      const { describeError } = await import('../errors.js');
      outcomes.push({ package: name, error: error instanceof PaksError ? error : new PaksError('internal', describeError(error), { cause: error }) });
    }
  }
  return outcomes;
}
