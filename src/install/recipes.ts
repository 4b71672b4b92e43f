/**
 * The recipes that built a published binary, for a source build where no binary fits: Spack
 * keeps the recipes of a spec's DAG under `<prefix>/.spack/repos/` in the binary tarball
 * (Spack 0.23: `repos/<namespace>/{repo.yaml,packages/<name>/}`; Spack 1.x adds
 * `repos/spack_repo/<namespace>/…` for repositories of package API v2). A recipe is code that
 * Spack runs, so it is taken only from an artifact whose signature Paks verified (or with
 * --no-verify), and only after the tarball matched the checksum of its signed spec.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import { ANNOTATION_PREFIX } from '../buildcache/oci-platform.js';
import { readBuildCache, type BuildCache, type CachedSpec } from '../buildcache/read-build-cache.js';
import { resolveInside } from '../buildcache/safe-path.js';
import { readTarEntries } from '../buildcache/tar-entries.js';
import { verifyTarballs } from '../buildcache/verify-tarballs.js';
import { spackForLayout } from '../spack/dialect/index.js';
import { removeOnInterrupt } from '../interruption.js';
import type { Descriptor } from '../oci/schemas.js';
import { specVerifier } from '../trust/verify-clearsigned.js';
import type { TrustedKey } from '../trust/public-key.js';
import type { ParsedRequest } from '../spec/parse.js';
import { versionSatisfies } from '../spec/version-range.js';
import type { OpenRegistry } from './binary.js';

/** Package repositories taken from a verified artifact, ready for a scope's `repos:`. */
export interface ArtifactRecipes {
  /** The artifact they came from (registry/repository@sha256:…). */
  reference: string;
  signed: boolean;
  /** Repository roots (each holds a repo.yaml), the one with the requested package first. */
  repositories: string[];
  remove(): Promise<void>;
}

export interface RecipeLookupOptions {
  registries: readonly string[];
  tag: string;
  name: string;
  request: ParsedRequest;
  host: { os: string };
  trustedKeys: readonly TrustedKey[];
  verify: boolean;
  unsignedRegistries: readonly string[];
  lookupTimeoutMs: number;
  /** The build-cache layout the installing Spack writes: recipes from another Spack generation do not load in it. */
  buildCacheLayout: number;
}

/** Where the recipes sit in a tarball: `<prefix>/.spack/repos/<relative path>`. */
const RECIPES = '/.spack/repos/';

/** Namespaces a user's Spack always has itself: a second copy would clash with it. */
const OWN_NAMESPACES = new Set(['builtin']);

/**
 * The recipes of the first artifact of `name` in the registries (any platform: a recipe is
 * the same for all; the host's OS and the requested version first). Undefined when no
 * registry has one that holds the package's recipe; an artifact that fails verification is
 * refused with an error, never passed over.
 */
export async function findArtifactRecipes(client: PaksClient, openRegistry: OpenRegistry, options: RecipeLookupOptions): Promise<ArtifactRecipes | undefined> {
  const { parseReference, formatReference } = await import('../oci/reference.js');
  const { pullArtifact } = await import('../oci/artifact.js');
  for (const base of options.registries) {
    const target = `${base.replace(/\/+$/, '')}/${options.name}:${options.tag}`;
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), options.lookupTimeoutMs);
    const registry = await openRegistry(controller.signal);
    try {
      const reference = parseReference(target);
      const fetched = await registry.getManifest(reference).catch(() => undefined);
      clearTimeout(deadline);
      if (!fetched) continue;
      const entries: Descriptor[] = fetched.kind === 'index' ? fetched.index.manifests : [{ mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length, ...(fetched.manifest.annotations ? { annotations: fetched.manifest.annotations } : {}) }];
      const entry = pickAnyEntry(entries, options);
      if (!entry) continue;
      const dir = await mkdtemp(join(tmpdir(), `paks-recipes-${options.name}-`));
      const forget = removeOnInterrupt(dir);
      const remove = () => rm(dir, { recursive: true, force: true }).finally(forget);
      try {
        const pinned = { registry: reference.registry, repository: reference.repository, digest: entry.digest };
        const pulled = await pullArtifact({ client: registry, reference: pinned, directory: join(dir, 'mirror'), reporter: client.reporter });
        const signedOnly = options.verify && !options.unsignedRegistries.some((r) => sameRegistry(r, base));
        const cache = await readBuildCache(join(dir, 'mirror'), signedOnly ? { verifySpec: specVerifier(options.trustedKeys) } : {});
        if (cache.layout !== options.buildCacheLayout) {
          // A Spack 1.x recipe (language dependencies, package API v2) does not load in Spack 0.23, nor the reverse.
          client.reporter.info(`The recipe of ${options.name} in ${target} is written for ${spackForLayout(cache.layout)}; building with the recipes this Spack has.`);
          await remove();
          continue;
        }
        const root = cache.specs.find((s) => s.name === options.name && s.hash === entry.annotations?.[`${ANNOTATION_PREFIX}hash`]) ?? cache.specs.find((s) => s.name === options.name);
        if (!root) throw new PaksError('integrity', `${target} holds no spec of ${options.name}`);
        if (signedOnly && !root.signed) {
          throw new PaksError('trust', `its spec of ${options.name} is not signed, and Paks runs no recipe it cannot verify`, { hint: 'Pass --no-verify to build with it anyway, or install from a repository you trust: paks install REPO SPEC.' });
        }
        const repositories = await extractRecipes(cache, root, join(dir, 'recipes'));
        if (!(await holdsPackage(repositories, options.name))) {
          await remove();
          continue;
        }
        return { reference: formatReference({ ...pinned, digest: pulled.digest }), signed: root.signed, repositories, remove };
      } catch (error) {
        await remove();
        if (error instanceof PaksError && (error.kind === 'trust' || error.kind === 'integrity')) {
          throw new PaksError(error.kind, `Refusing the recipe of ${options.name} from ${target}: ${describeError(error).replace(/\.$/, '')}.`, { hint: error.hint, cause: error });
        }
        client.reporter.info(`Could not take the recipe of ${options.name} from ${target} (${describeError(error).replace(/\.$/, '')}).`);
      }
    } catch (error) {
      if (error instanceof PaksError && (error.kind === 'trust' || error.kind === 'integrity')) throw error;
      client.reporter.debug(`No recipe of ${options.name} in ${target}: ${describeError(error)}`);
    } finally {
      clearTimeout(deadline);
      await registry.close();
    }
  }
  return undefined;
}

/**
 * Unpacks the recipes in the tarball of `root` into `into` and returns the package
 * repositories found there (those Spack itself always has, `builtin`, left out). The tarball
 * is checked against the checksum of its spec first; only files and folders are written,
 * each path checked to stay inside `into`.
 */
export async function extractRecipes(cache: BuildCache, root: CachedSpec, into: string): Promise<string[]> {
  const [tarball] = await verifyTarballs(cache, [root]);
  await unpackRecipes(tarball!.path, into, root.name);
  return repositoriesIn(into);
}

/** Writes the `.spack/repos/` files and folders of a (checked) tarball into `into`; nothing else, nothing outside it. */
export async function unpackRecipes(tarball: string, into: string, what: string): Promise<void> {
  const entries = await readTarEntries(tarball, (name, type) => name.includes(RECIPES) && (type === '0' || type === '5'));
  // The tarball holds one prefix, the one `.spack/binary_distribution` is in; recipes of any other path are not Spack's.
  const prefixes = new Set(entries.map((e) => e.name.slice(0, e.name.indexOf(RECIPES))));
  const prefix = [...prefixes].sort((a, b) => a.length - b.length)[0];
  await mkdir(into, { recursive: true });
  for (const entry of entries) {
    if (!entry.name.startsWith(`${prefix}${RECIPES}`)) continue;
    const relative = entry.name.slice(`${prefix}${RECIPES}`.length).replace(/\/+$/, '');
    if (!relative) continue;
    if (relative.split('/').some((part) => part === '' || part === '.' || part === '..') || relative.includes('\0')) {
      throw new PaksError('integrity', `the tarball of ${what} names a recipe file "${relative}" that would leave its folder`);
    }
    const path = await resolveInside(into, relative);
    if (entry.type === '5') {
      await mkdir(path, { recursive: true });
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    // `wx`: a file named twice is refused rather than overwritten.
    await writeFile(path, entry.data, { flag: 'wx', mode: 0o644 });
  }
}

/** `<ns>/repo.yaml` (package API v1) and `spack_repo/<ns>/repo.yaml` (v2), other than Spack's own. */
async function repositoriesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const parent of [dir, join(dir, 'spack_repo')]) {
    const names = await readdir(parent).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const yaml = await readFile(join(parent, name, 'repo.yaml'), 'utf8').catch(() => undefined);
      if (yaml === undefined) continue;
      const namespace = /^\s*namespace:\s*['"]?([\w.-]+)/m.exec(yaml)?.[1];
      if (namespace && !OWN_NAMESPACES.has(namespace)) found.push(join(parent, name));
    }
  }
  return found;
}

/** Does one of the repositories hold the package (API v2 folders use `_` for `-`)? Puts that one first. */
async function holdsPackage(repositories: string[], name: string): Promise<boolean> {
  for (const [index, repo] of repositories.entries()) {
    for (const folder of [name, name.replace(/-/g, '_')]) {
      const recipe = await readFile(join(repo, 'packages', folder, 'package.py')).catch(() => undefined);
      if (recipe) {
        repositories.unshift(...repositories.splice(index, 1));
        return true;
      }
    }
  }
  return false;
}

/** An entry of the package whose version the request allows, the host's OS first. */
function pickAnyEntry(entries: readonly Descriptor[], options: Pick<RecipeLookupOptions, 'request' | 'host' | 'buildCacheLayout'>): Descriptor | undefined {
  const annotation = (entry: Descriptor, key: string) => entry.annotations?.[`${ANNOTATION_PREFIX}${key}`];
  const versions = options.request.spec.versions;
  const allowed = entries
    .filter((e) => !versions || !annotation(e, 'version') || versionSatisfies(annotation(e, 'version')!, versions))
    .filter((e) => !annotation(e, 'buildcache-layout') || annotation(e, 'buildcache-layout') === String(options.buildCacheLayout));
  return allowed.find((e) => annotation(e, 'os') === options.host.os) ?? allowed[0];
}

function sameRegistry(listed: string, base: string): boolean {
  const norm = (s: string) => s.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  return norm(base) === norm(listed) || norm(base).startsWith(`${norm(listed)}/`);
}
