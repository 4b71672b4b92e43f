import type { Command } from 'commander';
import { contextFor, positiveInteger } from '../cli/context.js';

export function register(program: Command): void {
  program
    .command('pull')
    .description('pull an artifact (e.g. a build cache) from an OCI registry into a directory, verifying every blob')
    .argument('<ref>', 'what to pull, e.g. ghcr.io/org/zlib:1.3.1 or ...@sha256:DIGEST (no tag: the default_tag setting)')
    .argument('<dir>', 'where to put the files (created if missing)')
    .option('--plain-http', 'talk plain HTTP to the registry (loopback registries already do)')
    .option('--concurrency <n>', 'blobs downloaded at once (default: the registry_concurrency setting)', positiveInteger)
    .action(async (ref: string, dir: string, options: { plainHttp?: boolean; concurrency?: number }, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { resolve } = await import('node:path');
      const { parseReference, formatReference } = await import('../oci/reference.js');
      const { pullArtifact, formatBytes, count } = await import('../oci/artifact.js');
      const reference = parseReference(ref, { defaultTag: client.values.default_tag });
      const registry = await client.registryClient({ plainHttp: options.plainHttp, concurrency: options.concurrency });
      try {
        const pulled = await pullArtifact({ client: registry, reference, directory: resolve(ctx.cwd, dir), reporter: ctx.reporter });
        ctx.reporter.out(`Pulled ${formatReference(reference)} (${count(pulled.files.length, 'file')}, ${formatBytes(pulled.size)}) into ${dir}`);
        ctx.reporter.out(`Digest: ${pulled.digest}`);
      } finally {
        await registry.close();
      }
    });
}
