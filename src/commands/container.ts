import type { Command } from 'commander';
import { collect, contextFor } from '../cli/context.js';

interface ContainerCommandOptions {
  baseImage: string;
  push: string;
  entrypoint?: string;
  tag?: string[];
  plainHttp?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('container')
    .description('push a runnable image of an installed spec: a base image plus the spec\'s prefixes, the package first on PATH')
    .argument('<spec>', 'an installed spec, e.g. zlib or zlib/abcdefg')
    .requiredOption('--base-image <ref>', 'the image to build on, e.g. docker.io/library/debian:12 (its entry for this platform)')
    .requiredOption('--push <ref>', 'where to push, e.g. ghcr.io/org/zlib-image[:tag]')
    .option('--entrypoint <program>', 'start this program instead of a shell')
    .option('-t, --tag <tag>', 'also move this tag to the per-platform index (repeatable)', collect)
    .option('--plain-http', 'talk plain HTTP to the registries')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  paks container greet-paks --base-image 127.0.0.1:5000/base/mini:1 --push 127.0.0.1:5000/paks/greet-image\n  paks container zlib --base-image docker.io/library/debian:12 --push ghcr.io/org/zlib-image --entrypoint /bin/bash')
    .action(async (spec: string, options: ContainerCommandOptions, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { parseReference } = await import('../oci/reference.js');
      const target = parseReference(options.push);
      const { containerOfInstalled } = await import('../container/installed.js');
      const pushed = await containerOfInstalled(client, spec, {
        baseImage: options.baseImage,
        target,
        entrypoint: options.entrypoint,
        tags: options.tag ?? [],
        plainHttp: options.plainHttp,
      });
      if (options.json) {
        ctx.reporter.out(JSON.stringify(pushed, null, 2));
        return;
      }
      ctx.reporter.out(`Pushed ${pushed.reference}`);
      ctx.reporter.info(`  tags: ${pushed.tags.join(', ')}; base ${pushed.base}`);
    });
}
