import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { contextFor } from '../cli/context.js';

interface ServeOptions {
  repo?: string;
  registry?: string;
  host: string;
  port: string;
  baseUrl?: string;
  ttl: number;
  workers: number;
}

function port(value: string): string {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError(`'${value}' is not a port number (0-65535).`);
  return value;
}

function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 256) throw new InvalidArgumentError(`'${value}' is not a number of worker processes (0-256).`);
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError(`'${value}' is not a whole number of seconds (1 or more).`);
  return n;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the package metadata API and catalogue live, refreshed from Spack and the registry in the background')
    .option('--repo <dir>', 'the package repository (default: the one around the current folder)')
    .option('--registry <registry>', 'where the binaries are, REGISTRY/NAMESPACE (default: registry in paks.yaml)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', port, '8080')
    .option('--base-url <url>', 'public URL of this server, for links inside the documents (default: the listening address)')
    .option('--ttl <seconds>', 'collect again after this many seconds', seconds, 300)
    .option('--workers <n>', 'processes answering requests (0 or 1: one process does everything)', count, 0)
    .action(async (options: ServeOptions, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { startLiveCatalogue } = await import('../api/publish.js');
      const running = await startLiveCatalogue(client, {
        repo: options.repo,
        registry: options.registry,
        host: options.host,
        port: Number(options.port),
        baseUrl: options.baseUrl,
        ttlMs: options.ttl * 1000,
        workers: options.workers,
        accessLog: ctx.globals.quiet ? undefined : (line) => ctx.reporter.out(line),
      });
      if (running.role === 'worker') {
        // A worker stops when its primary tells it to (or goes away); signals go to the primary.
        const ignore = () => undefined;
        process.on('SIGINT', ignore);
        process.on('SIGTERM', ignore);
        return;
      }
      // On stdout, even with --quiet: where it listens is the result of this command.
      ctx.reporter.out(`Serving ${running.url} (API at ${running.url}api/v1/packages.json); Ctrl-C stops.`);
      await new Promise<void>((resolve) => {
        // The handlers stay installed until the process ends: execa's child clean-up
        // (signal-exit) re-raises a signal nobody else listens to, which would kill us
        // half-way through a clean shutdown. A second signal stops at once.
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) {
            ctx.reporter.info(`${signal} again: stopping now.`);
            process.exit(130);
          }
          stopping = true;
          ctx.reporter.info(`${signal}: stopping.`);
          void running.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
