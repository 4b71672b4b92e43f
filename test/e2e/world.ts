/** A small world for end-to-end tests: Spack stand-in roots, homes, a registry, the CLI. */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createSpackRoot, stopGpgAgent, type SpackRootOptions } from '../helpers/spack.js';
import { runPaks, type CliResult, type RunOptions } from '../helpers/cli.js';

export const exec = promisify(execFile);

export interface Machine {
  name: string;
  home: string;
  spackRoot: string;
  env: Record<string, string>;
  paks(args: string[], env?: Record<string, string | undefined>, run?: Pick<RunOptions, 'onStderr' | 'onSpawn' | 'input'>): Promise<CliResult>;
}

export class World {
  private constructor(readonly dir: string) {}
  private readonly roots: string[] = [];

  static async create(): Promise<World> {
    return new World(await mkdtemp(join(tmpdir(), 'paks-e2e-')));
  }

  /** A user with their own HOME and their own Spack (stand-in) store. */
  async machine(name: string, options: SpackRootOptions & { registries?: string[] } = {}): Promise<Machine> {
    const base = join(this.dir, name);
    const home = join(base, 'home');
    await mkdir(home, { recursive: true });
    const spack = await createSpackRoot(join(base, 'spack'), { keyAlgo: 'rsa2048', ...options });
    this.roots.push(spack.root);
    const env: Record<string, string> = {
      ...spack.env,
      PAKS_TRUSTED_PULL_REGISTRIES: (options.registries ?? []).join(','),
      PAKS_USERNAME: 'Paks Test',
      PAKS_EMAIL: 'paks@example.com',
    };
    return {
      name,
      home,
      spackRoot: spack.root,
      env,
      paks: (args, extra = {}, run = {}) => runPaks(args, { home, env: { ...env, ...extra }, timeoutMs: 120_000, ...run }),
    };
  }

  async dispose(): Promise<void> {
    for (const root of this.roots) stopGpgAgent(root);
    await rm(this.dir, { recursive: true, force: true });
  }
}
