/**
 * The three v1 documents of the metadata API, built from the recipes and the registry's
 * binaries. Pure functions: the same input gives the same bytes (static site and live server).
 */
import type { Binary, PackageBinaries } from './binaries.js';
import type { Recipe } from './recipes.js';
import { platformLabel } from './platform-label.js';
import { PUBLISHER_KEY_PATH, type PublisherFacts } from './publisher.js';
import { sbomPath } from './sboms.js';

export const API_VERSION = 'v1';

export interface BinaryDocument {
  platform: string;
  /** As a person reads it: "Linux x86_64 (x86_64_v3+, glibc ≥ 2.28)". */
  platform_label: string;
  /** The recipe at the commit that built this binary, when the binary says which. */
  recipe_url: string | null;
  os: string;
  architecture: string;
  variant: string | null;
  spack_os: string | null;
  target: string | null;
  compiler: string | null;
  hash: string | null;
  tag: string | null;
  reference: string;
  digest: string;
  size: number;
  created: string | null;
  signed: boolean;
  signer: { key_id: string; fingerprint: string | null; verified: boolean } | null;
  sbom: { cyclonedx: BlobDocument | null; spdx: BlobDocument | null };
}
export interface BlobDocument {
  /** The copy published with the catalogue when there is one, else the registry's blob URL. */
  url: string;
  registry_url: string;
  digest: string;
  size: number;
}

export interface VersionDocument {
  api_version: typeof API_VERSION;
  name: string;
  version: string;
  in_recipe: boolean;
  latest: boolean;
  repository: string;
  install: string | null;
  binaries: BinaryDocument[];
  /** The GitHub release of this version, when the repository is known. */
  release_url: string | null;
  url: string;
}

export interface PackageDocument {
  api_version: typeof API_VERSION;
  generated_at: string;
  name: string;
  description: string | null;
  homepage: string | null;
  licenses: string[];
  maintainers: string[];
  latest_version: string | null;
  repository: string;
  dependencies: { build: string[]; link: string[]; run: string[]; test: string[] };
  variants: { name: string; default: string; values: string; description: string | null }[];
  tests: { standalone: string[] };
  /** `trust`: the command that trusts the publisher key; `first_time`: trust and install in one line. */
  install: { binary: string | null; source: string; trust: string | null; first_time: string | null };
  publisher_key: PublisherKeyDocument | null;
  /** The recipe in the repository (its default branch). */
  recipe_url: string | null;
  versions: Omit<VersionDocument, 'api_version' | 'name' | 'repository'>[];
  url: string;
  html_url: string;
}

export interface PublisherKeyDocument {
  url: string;
  fingerprint: string;
}

export interface PackageSummary {
  name: string;
  description: string | null;
  latest_version: string | null;
  homepage: string | null;
  licenses: string[];
  platforms: string[];
  platform_labels: string[];
  signed: boolean;
  updated: string | null;
  url: string;
  html_url: string;
}

export interface PackagesDocument {
  api_version: typeof API_VERSION;
  generated_at: string;
  registry: string;
  count: number;
  publisher_key: PublisherKeyDocument | null;
  packages: PackageSummary[];
}

export interface DocumentOptions {
  /** `REGISTRY/NAMESPACE` the binaries come from. */
  registry: string;
  /** Absolute site URL ending in `/`; without it, links are relative to the site root. */
  baseUrl?: string;
  generatedAt: Date;
  /** SBOM copies published with the catalogue, by site path (see sboms.ts). */
  files?: ReadonlyMap<string, { bytes: Buffer; contentType: string }>;
  /** The publisher key, the repository on GitHub and its release tags (publisher.ts). */
  publisher?: PublisherFacts;
}

export interface ApiDocuments {
  packages: PackagesDocument;
  byName: Map<string, PackageDocument>;
  versions: Map<string, Map<string, VersionDocument>>;
  /** Other files published with the documents (SBOM copies), by site path. */
  files: Map<string, { bytes: Buffer; contentType: string }>;
}

export const sitePaths = {
  packages: 'api/v1/packages.json',
  package: (name: string) => `api/v1/packages/${name}.json`,
  version: (name: string, version: string) => `api/v1/packages/${name}/${version}.json`,
  page: (name: string) => `packages/${name}.html`,
  schema: (name: string) => `api/v1/schema/${name}.json`,
};

/** Package names come from Spack (lowercase, digits, `-`, `_`); versions from recipes and tags. */
export const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

export function buildDocuments(recipes: readonly Recipe[], binaries: ReadonlyMap<string, PackageBinaries>, options: DocumentOptions): ApiDocuments {
  const link = (path: string) => (options.baseUrl ? new URL(path, options.baseUrl).href : path);
  const generatedAt = options.generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const registry = options.registry.replace(/\/+$/, '');
  const byName = new Map<string, PackageDocument>();
  const versions = new Map<string, Map<string, VersionDocument>>();
  const summaries: PackageSummary[] = [];
  const publisher = options.publisher ?? {};
  const publisherKey = publisher.key ? { url: link(PUBLISHER_KEY_PATH), fingerprint: publisher.key.fingerprint } : null;
  const trust = publisherKey ? `paks key trust ${publisherKey.url} --fingerprint ${publisherKey.fingerprint}` : null;
  const recipeUrl = (name: string, revision: string) => (publisher.sourceUrl ? `${publisher.sourceUrl}/blob/${revision}/${publisher.packagesPath ?? 'packages'}/${name}/package.py` : null);

  for (const recipe of [...recipes].filter((r) => SAFE_SEGMENT.test(r.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const found = binaries.get(recipe.name);
    const repository = found?.repository ?? `${registry}/${recipe.name}`;
    const registryVersions = [...(found?.versions.keys() ?? [])].filter((v) => SAFE_SEGMENT.test(v));
    const allVersions = [...recipe.versions.filter((v) => SAFE_SEGMENT.test(v)), ...registryVersions.filter((v) => !recipe.versions.includes(v)).sort().reverse()];
    const latest = recipe.latestVersion ?? allVersions[0] ?? null;
    const perVersion = new Map<string, VersionDocument>();
    for (const version of allVersions) {
      const docs = (found?.versions.get(version) ?? []).map((b) => binaryDocument(b, (path) => (options.files?.has(path) ? link(path) : undefined), b.revision ? recipeUrl(recipe.name, b.revision) : null)).sort((a, b) => (platformSortKey(a) < platformSortKey(b) ? -1 : 1));
      perVersion.set(version, {
        api_version: API_VERSION,
        name: recipe.name,
        version,
        in_recipe: recipe.versions.includes(version),
        latest: version === latest,
        repository,
        install: docs.length ? `paks install ${recipe.name}@${version} --registry ${registry}` : null,
        binaries: docs,
        release_url: publisher.sourceUrl && publisher.releaseTag && docs.length ? `${publisher.sourceUrl}/releases/tag/${encodeURIComponent(publisher.releaseTag(recipe.name, version))}` : null,
        url: link(sitePaths.version(recipe.name, version)),
      });
    }
    const everyBinary = [...perVersion.values()].flatMap((v) => v.binaries);
    const binaryInstall = everyBinary.length ? `paks install ${recipe.name} --registry ${registry}` : null;
    const created = everyBinary.map((b) => b.created).filter((c): c is string => c !== null).sort();
    const doc: PackageDocument = {
      api_version: API_VERSION,
      generated_at: generatedAt,
      name: recipe.name,
      description: recipe.description ?? null,
      homepage: recipe.homepage ?? null,
      licenses: recipe.licenses,
      maintainers: recipe.maintainers,
      latest_version: latest,
      repository,
      dependencies: recipe.dependencies,
      variants: recipe.variants.map((v) => ({ name: v.name, default: v.default, values: v.values, description: v.description ?? null })),
      tests: { standalone: recipe.standaloneTests },
      install: {
        binary: binaryInstall,
        source: `paks install --no-cache ${recipe.name}`,
        trust,
        first_time: trust && binaryInstall ? `${trust} && ${binaryInstall}` : null,
      },
      publisher_key: publisherKey,
      recipe_url: recipeUrl(recipe.name, 'HEAD'),
      versions: [...perVersion.values()].map(({ api_version: _a, name: _n, repository: _r, ...rest }) => rest),
      url: link(sitePaths.package(recipe.name)),
      html_url: link(sitePaths.page(recipe.name)),
    };
    byName.set(recipe.name, doc);
    versions.set(recipe.name, perVersion);
    summaries.push({
      name: recipe.name,
      description: doc.description,
      latest_version: latest,
      homepage: doc.homepage,
      licenses: doc.licenses,
      platforms: [...new Set(everyBinary.map((b) => b.platform))].sort(),
      platform_labels: [...new Set(everyBinary.map((b) => b.platform_label))].sort(),
      signed: everyBinary.length > 0 && everyBinary.every((b) => b.signed),
      updated: created.at(-1) ?? null,
      url: doc.url,
      html_url: doc.html_url,
    });
  }
  return {
    packages: { api_version: API_VERSION, generated_at: generatedAt, registry, count: summaries.length, publisher_key: publisherKey, packages: summaries },
    byName,
    versions,
    files: new Map([...(options.files ?? []), ...(publisher.key ? [[PUBLISHER_KEY_PATH, { bytes: publisher.key.armored, contentType: 'application/pgp-keys' }] as const] : [])]),
  };
}

/** `?q=`: a case-insensitive match on name or description, name matches first. */
export function filterPackages(document: PackagesDocument, query: string): PackagesDocument {
  const q = query.trim().toLowerCase();
  if (!q) return document;
  const words = q.split(/\s+/);
  const matches = document.packages.filter((p) => words.every((w) => p.name.toLowerCase().includes(w) || (p.description ?? '').toLowerCase().includes(w)));
  const score = (p: PackageSummary) => (p.name.toLowerCase() === q ? 0 : p.name.toLowerCase().startsWith(q) ? 1 : p.name.toLowerCase().includes(q) ? 2 : 3);
  const packages = matches.map((p, i) => ({ p, i })).sort((a, b) => score(a.p) - score(b.p) || a.i - b.i).map(({ p }) => p);
  return { ...document, count: packages.length, packages };
}

function binaryDocument(binary: Binary, published: (path: string) => string | undefined, recipeUrl: string | null): BinaryDocument {
  const blob = (kind: 'cyclonedx' | 'spdx'): BlobDocument | null => {
    const found = binary.sbom[kind];
    if (!found) return null;
    return { url: published(sbomPath(found, kind)) ?? found.url, registry_url: found.url, digest: found.digest, size: found.size };
  };
  const platform = [binary.platform.os, binary.platform.architecture, binary.platform.variant].filter(Boolean).join('/');
  return {
    platform,
    platform_label: platformLabel({ os: binary.platform.os, architecture: binary.platform.architecture, target: binary.targetFamily ?? binary.target, libc: binary.libc, libcVersion: binary.libcVersion }),
    recipe_url: recipeUrl,
    os: binary.platform.os,
    architecture: binary.platform.architecture,
    variant: binary.platform.variant ?? null,
    spack_os: binary.spackOs ?? null,
    target: binary.target ?? null,
    compiler: binary.compiler ?? null,
    hash: binary.hash ?? null,
    tag: binary.tag ?? null,
    reference: binary.reference,
    digest: binary.digest,
    size: binary.size,
    created: binary.created ?? null,
    signed: binary.signed,
    signer: binary.signer ? { key_id: binary.signer.keyId, fingerprint: binary.signer.fingerprint ?? null, verified: binary.signer.verified } : null,
    sbom: { cyclonedx: blob('cyclonedx'), spdx: blob('spdx') },
  };
}

function platformSortKey(binary: BinaryDocument): string {
  return [binary.platform, binary.spack_os ?? '', binary.target ?? '', binary.compiler ?? ''].join(' ');
}
