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
      const { rm } = await import('node:fs/promises');
      const oci = await import('../oci/index.js');
      if (options.index) {
        const directory = resolve(ctx.cwd, cacheDir);
        const [{ pushBuildCache, cacheRoot }, { readBuildCache }] = await Promise.all([import('../build/publish.js'), import('../buildcache/read-build-cache.js')]);
        const root = cacheRoot(await readBuildCache(directory), cacheDir);
        const published = await pushBuildCache(client, directory, ref, { root, tags: options.tag ?? [], plainHttp: options.plainHttp, explicitTarget: true });
        ctx.reporter.out(`Pushed ${published.reference}`);
        for (const tag of published.indexTags) ctx.reporter.out(`Index ${tag} holds it`);
        if (options.cleanup) {
          await rm(directory, { recursive: true, force: true });
          ctx.reporter.info(`Removed ${cacheDir}`);
        }
        return;
      }
      const reference = oci.parseReference(ref, { defaultTag: client.values.default_tag });
      // Stops the upload when reading the build cache fails beside it (below).
      const stop = new AbortController();
      const registry = await client.registryClient({ plainHttp: options.plainHttp, concurrency: options.concurrency, signal: stop.signal });
      const directory = resolve(ctx.cwd, cacheDir);
      const spackOci = options.spackImages === false ? undefined : await import('../spack-oci/push-images.js');
      const layerCache = await spackOci?.spackLayerCache(client.path('cache_dir'));
      let pushed;
      try {
        // Reading the build cache for the Spack images runs beside the upload. If it fails,
        // the upload stops at once and no tag moves (pushArtifact awaits it before the manifest).
        // Each Spack image goes as soon as the blobs it names are in.
        const preparing = spackOci?.prepareSpackImages(directory, layerCache);
        preparing?.catch(() => stop.abort());
        const images = preparing && spackOci!.startSpackImages({ client: registry, repository: reference, prepared: preparing, reporter: ctx.reporter });
        const pushing = oci.pushArtifact({
          client: registry,
          directory,
          reference,
          tags: options.tag ?? [],
          artifactType: client.values.content_type,
          reporter: ctx.reporter,
          ready: preparing,
          ...(images ? { onLayer: images.layerPushed } : {}),
        });
        pushing.catch(() => {});
        try {
          await preparing;
          pushed = await pushing;
        } catch (error) {
          await images?.abandon();
          throw error;
        }
        if (images) await spackOci!.finishSpackImages(images, reference, pushed.manifest.layers, ctx.reporter);
      } finally {
        await registry.close();
        await layerCache?.save().catch(() => {});
      }
      for (const tag of pushed.tags) ctx.reporter.out(`Pushed ${oci.formatReference({ registry: reference.registry, repository: reference.repository, tag })}`);
      if (pushed.tags.length === 0) ctx.reporter.out(`Pushed ${oci.formatReference(pushed.reference)}`);
      ctx.reporter.out(`Digest: ${pushed.digest}`);
      if (options.cleanup) {
        await rm(directory, { recursive: true, force: true });
        ctx.reporter.info(`Removed ${cacheDir}`);
      }
    });
}
