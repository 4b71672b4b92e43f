import type { Command } from 'commander';
import { collect, contextFor, positiveInteger } from '../cli/context.js';

interface PushOptions {
  cleanup?: boolean;
  tag?: string[];
  plainHttp?: boolean;
  concurrency?: number;
  spackImages?: boolean;
  index?: boolean;
}

export function register(program: Command): void {
  program
    .command('push')
    .description('push a Spack build cache directory to an OCI registry as one artifact')
    .argument('<cache-dir>', 'the build cache directory (what `spack buildcache push` wrote)')
    .argument('<ref>', 'where to push, e.g. ghcr.io/org/zlib:1.3.1 (no tag: the default_tag setting)')
    .option('-t, --tag <tag>', 'also point this tag at the pushed manifest (repeatable)', collect)
    .option('--cleanup', 'remove the cache directory after a successful push')
    .option('--plain-http', 'talk plain HTTP to the registry (loopback registries already do)')
    .option('--no-spack-images', "push only the Paks artifact, not Spack's own images of a build cache")
    .option('--concurrency <n>', 'blobs pushed at once (default: the registry_concurrency setting)', positiveInteger)
    .option('--index', 'push the one build in the cache as paks build --push does: tag <version>-<hash7>, and add this platform to the <version> and latest indexes (and any --tag)')
    .action(async (cacheDir: string, ref: string, options: PushOptions, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { resolve } = await import('node:path');
      const oci = await import('../oci/reference.js');
      if (options.index) {
        const directory = resolve(ctx.cwd, cacheDir);
        const [{ pushBuildCache, cacheRoot }, { readBuildCache }] = await Promise.all([import('../build/publish.js'), import('../buildcache/read-build-cache.js')]);
        const root = cacheRoot(await readBuildCache(directory), cacheDir);
        const published = await pushBuildCache(client, directory, ref, { root, tags: options.tag ?? [], plainHttp: options.plainHttp, explicitTarget: true });
        ctx.reporter.out(`Pushed ${published.reference}`);
        for (const tag of published.indexTags) ctx.reporter.out(`Index ${tag} holds it`);
        if (options.cleanup) {
          const { keptNote, removePushedBuildCache } = await import('../buildcache/cleanup.js');
          const note = keptNote(cacheDir, await removePushedBuildCache(directory, published.files));
          if (note) ctx.reporter.warn(note);
          else ctx.reporter.info(`Removed ${cacheDir}`);
        }
        return;
      }
      const reference = oci.parseReference(ref, { defaultTag: client.values.default_tag });
      const directory = resolve(ctx.cwd, cacheDir);
      const { pushDirectory } = await import('../build/push-directory.js');
      const pushed = await pushDirectory(client, directory, reference, { tags: options.tag ?? [], plainHttp: options.plainHttp, concurrency: options.concurrency, spackImages: options.spackImages !== false });
      for (const tag of pushed.tags) ctx.reporter.out(`Pushed ${oci.formatReference({ registry: reference.registry, repository: reference.repository, tag })}`);
      if (pushed.tags.length === 0) ctx.reporter.out(`Pushed ${oci.formatReference(pushed.reference)}`);
      ctx.reporter.out(`Digest: ${pushed.digest}`);
      if (options.cleanup) {
        const { keptNote, pushedPaths, removePushedBuildCache } = await import('../buildcache/cleanup.js');
        const note = keptNote(cacheDir, await removePushedBuildCache(directory, pushedPaths(pushed.manifest)));
        if (note) ctx.reporter.warn(note);
        else ctx.reporter.info(`Removed ${cacheDir}`);
      }
    });
}
