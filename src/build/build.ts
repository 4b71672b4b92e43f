import { mkdir, mkdtemp, rm, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import { installResolved, resolveInstallArguments, type InstalledRoot } from '../install/install.js';
import { usableSigningKey } from '../signing/keys.js';
import { writeCacheSboms } from '../sbom/generate.js';
import { pushBuildCache, type PublishedBuild } from './publish.js';
import { checkCacheSignatures, spackBuildcachePush } from './cache.js';
import { noteOnInterrupt, removeOnInterrupt } from '../interruption.js';
import { withTemporaryScope } from '../spack/scope.js';
import { buildScope } from './scope.js';
import { removeStaleBuilds } from './tree.js';
import { noteBuildTree } from './tree-note.js';
import { keptNote, removePushedBuildCache } from '../buildcache/cleanup.js';
import { describeTarget, resolveBuildTarget } from './target.js';

export interface BuildOptions {
  cacheDir?: string | undefined;
  key?: string | undefined;
  unsigned?: boolean;
  /** Push each built cache to this reference (one spec only). */
  push?: string | undefined;
  /** Push to trusted_packages_registry/<name>. */
  pushd?: boolean;
  tags?: readonly string[];
  /** Remove a temporary cache after a successful push (default true). */
  cleanup?: boolean;
  /** Overwrite existing cache entries, and allow removing a --cache-dir after a push. */
  force?: boolean;
  plainHttp?: boolean;
  /** Also push a runnable image on this base, to `<push repository>/container`. */
  baseImage?: string | undefined;
  entrypoint?: string | undefined;
  /** The target family to build for (default: the build_target setting); see target.ts. */
  target?: string | undefined;
}

export interface BuiltCache {
  root: InstalledRoot;
  dir: string;
  signedBy: string | null;
  sboms: string[];
  published?: PublishedBuild;
  /** The runnable image pushed with --base-image. */
  container?: import('../container/push-container.js').PushedContainer;
  removed: boolean;
  /** The family it was built for (none: the host's microarchitecture). */
  target?: string;
}

export interface BuildReport {
  caches: BuiltCache[];
}

/** `paks build`: install, make a signed build cache with SBOMs, and optionally push it. */
export async function buildSpecs(client: PaksClient, args: readonly string[], options: BuildOptions = {}): Promise<BuildReport> {
  if (options.baseImage && !options.push && !options.pushd) {
    throw new PaksError('usage', '--base-image needs --push or --pushd: the container goes beside the pushed build cache.');
  }
  if (options.push && options.pushd) {
    throw new PaksError('usage', '--push and --pushd cannot be used together.', { hint: '--push REF pushes to REF; --pushd pushes to trusted_packages_registry/<package>.' });
  }
  // Check what can be checked before a long build: the key, the reference, the cache dir.
  const key = options.unsigned ? null : await usableSigningKey(client, options.key);
  if (options.push) {
    const { parseReference } = await import('../oci/reference.js');
    parseReference(options.push, { defaultTag: client.values.default_tag });
  }
  const userCacheDir = options.cacheDir ? resolve(client.cwd, options.cacheDir) : undefined;
  if (userCacheDir) await prepareCacheDir(userCacheDir);

  const resolved = await resolveInstallArguments(client, args);
  const spack = await client.spack();
  const target = await resolveBuildTarget(client, options.target);
  // Install, buildcache push, signature check and SBOMs all see one scope (Spack pushes only recipes it knows),
  // with the target family in it so that dependencies follow.
  const scope = buildScope({ paddedLength: client.values.build_padded_length, repos: resolved.repository ? [resolved.repository.root] : [], dialect: await spack.dialect(), target });
  // Only in a tree of its own: with build_padded_length 0 the build shares the user's store.
  if (client.values.build_padded_length > 0) await withTemporaryScope(scope, (built) => removeStaleBuilds(client, spack.withScope(built!.dir)));
  await noteBuildTree(client);
  const installed = await installResolved(client, resolved, { noCache: true, sbom: false, scope, ...(target ? { target } : {}) });
  if (options.push && installed.roots.length > 1) {
    throw new PaksError('usage', `--push takes one spec, but ${installed.roots.length} were built.`, { hint: 'Use --pushd to push each package to its own repository.' });
  }
  const caches: BuiltCache[] = [];
  const readAhead = new Map<string, Promise<import('../spack-oci/push-images.js').PreparedSpackImages | undefined>>();
  await withTemporaryScope(scope, async (built) => {
    const runner = built ? spack.withScope(built.dir) : spack;
    for (const root of installed.roots) {
      const dir = userCacheDir
        ? installed.roots.length > 1 ? join(userCacheDir, `${root.name}-${root.version}-${root.hash.slice(0, 7)}`) : userCacheDir
        : await mkdtemp(join(tmpdir(), `paks-cache-${root.name}-`));
      // A half-written temporary cache is removed on interruption; a finished one is kept and named.
      const forget = userCacheDir ? () => {} : removeOnInterrupt(dir);
      try {
        await spackBuildcachePush(runner, dir, root, { key: key?.fingerprint, force: options.force });
        // Reading the tarballs for the Spack images (their diff_ids) overlaps the signature check and the SBOMs.
        if (options.push || options.pushd) {
          const { prepareSpackImages } = await import('../spack-oci/push-images.js');
          const prepared = prepareSpackImages(dir);
          prepared.catch(() => {});
          readAhead.set(dir, prepared);
        }
        const signedBy = key ? await checkCacheSignatures(client, runner, dir, key.fingerprint, { forced: Boolean(options.force) }) : null;
        const sboms = await writeCacheSboms(runner, dir);
        client.reporter.info(`Build cache for ${root.name}@${root.version}${target ? ` (${describeTarget(target)})` : ''} is in ${dir}${signedBy ? ` (signed by ${signedBy})` : ' (unsigned)'}`);
        caches.push({ root, dir, signedBy, sboms, removed: false, ...(target ? { target } : {}) });
      } catch (error) {
        // A temporary cache that did not come out whole is of no use to anyone.
        if (!userCacheDir) await rm(dir, { recursive: true, force: true });
        throw error;
      } finally {
        forget();
      }
    }
  });

  if (options.push || options.pushd) {
    for (const cache of caches) {
      const target = options.push ?? `${client.values.trusted_packages_registry}/${cache.root.name}`;
      const resume = `paks push ${cache.dir} ${target}${options.plainHttp ? ' --plain-http' : ''}`;
      const forgetNote = noteOnInterrupt(`the build cache of ${cache.root.name}@${cache.root.version} is kept in ${cache.dir}; push it again with: ${resume}`);
      try {
        cache.published = await pushBuildCache(client, cache.dir, target, {
          root: cache.root,
          tags: options.tags ?? [],
          plainHttp: options.plainHttp,
          explicitTarget: Boolean(options.push),
          spackImages: readAhead.get(cache.dir),
        });
      } catch (error) {
        throw new PaksError(error instanceof PaksError ? error.kind : 'registry', `${describeError(error).replace(/\.$/, '')}. The build cache is kept in ${cache.dir}.`, {
          hint: `Push it again later with: ${resume}`,
          cause: error,
        });
      } finally {
        forgetNote();
      }
      if (options.baseImage && cache.published) {
        const [{ pushBuilt }, { parseReference }, { readBuildCache }] = await Promise.all([import('../container/installed.js'), import('../oci/reference.js'), import('../buildcache/read-build-cache.js')]);
        const named = parseReference(target);
        const containerTarget = { registry: named.registry, repository: `${named.repository}/container` };
        try {
          cache.container = await pushBuilt(client, await readBuildCache(cache.dir), cache.root.hash, { baseImage: options.baseImage, target: containerTarget, entrypoint: options.entrypoint, tags: options.tags ?? [], plainHttp: options.plainHttp });
        } catch (error) {
          throw new PaksError(error instanceof PaksError ? error.kind : 'registry', `${describeError(error).replace(/\.$/, '')}. The build cache is pushed; the container is not.`, { hint: `Push the container again with: paks container /${cache.root.hash.slice(0, 7)} --base-image ${options.baseImage} --push ${containerTarget.registry}/${containerTarget.repository}`, cause: error });
        }
      }
      const temporary = !userCacheDir;
      if (temporary && options.cleanup !== false) {
        await rm(cache.dir, { recursive: true, force: true });
        cache.removed = true;
      } else if (!temporary && options.force && options.cleanup !== false && cache.published) {
        // A folder the user named: only the pushed build cache goes, anything else stays.
        const kept = await removePushedBuildCache(cache.dir, cache.published.files);
        const note = keptNote(cache.dir, kept);
        if (note) client.reporter.warn(note);
        cache.removed = kept.length === 0;
      }
    }
    if (userCacheDir && options.force && options.cleanup !== false && installed.roots.length > 1) {
      await rmdir(userCacheDir).catch(() => undefined); // only when empty
    }
  }
  return { caches };
}

async function prepareCacheDir(dir: string): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new PaksError('usage', `--cache-dir ${dir} is a file, not a folder.`, { hint: 'Name a folder (it is created if missing), or leave --cache-dir out to use a temporary one.' });
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PaksError('usage', `Cannot create --cache-dir ${dir}: ${code === 'EEXIST' || code === 'ENOTDIR' ? 'part of the path is a file' : code === 'EACCES' ? 'permission denied' : describeError(error)}.`, { cause: error });
  }
}
