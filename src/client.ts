import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createSilentReporter, type Reporter } from './ui/reporter.js';
import { expandHome, loadSettings, type LoadedSettings } from './settings/load.js';
import type { Settings } from './settings/schema.js';
// Types only: Spack, install and OCI code loads when a call needs it, so `paks push` does
// not pay for execa and `paks list` does not pay for openpgp.
import type { SpackInstallation } from './spack/locate.js';
import type { SpackRunner } from './spack/runner.js';
import type { InstalledSpec } from './spack/installed.js';
import type { UninstallOptions, UninstallPlan } from './spack/uninstall.js';
import type { InstallOptions, InstallReport } from './install/install.js';
import type { RegistryClient } from './oci/client.js';
import type { UrlFetcher } from './http/fetch-url.js';
import { paksVersion } from './version.js';

export interface PaksClientOptions {
  home?: string;
  env?: NodeJS.ProcessEnv;
  reporter?: Reporter;
  settingsFile?: string | undefined;
  spackRoot?: string | undefined;
  cwd?: string;
  /** For commands that create the settings file: a missing --settings-file is fine. */
  allowMissingSettingsFile?: boolean;
}

async function readCaFile(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { PaksError } = await import('./errors.js');
  try {
    const text = await readFile(file, 'utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    return text;
  } catch (error) {
    throw new PaksError('settings', `registry_ca_file ${file} cannot be used: ${(error as Error).message}.`, { hint: 'Point registry_ca_file at a PEM certificate, or set it to null.' });
  }
}

/**
 * The library façade: everything the CLI does, callable from code and from `paks shell`.
 * Commands turn arguments into calls here; nothing here prints except through the reporter.
 */
export class PaksClient {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly reporter: Reporter;
  readonly cwd: string;
  settings: LoadedSettings;
  private readonly spackRootFlag: string | undefined;
  private spackPromise: Promise<SpackRunner> | undefined;
  /** What spack() found, for the summary a REPL prints. */
  private spackFound: string | undefined;

  private constructor(options: PaksClientOptions, settings: LoadedSettings) {
    this.home = options.home ?? homedir();
    this.env = options.env ?? process.env;
    this.reporter = options.reporter ?? createSilentReporter();
    this.cwd = options.cwd ?? process.cwd();
    this.settings = settings;
    this.spackRootFlag = options.spackRoot;
  }

  static async create(options: PaksClientOptions = {}): Promise<PaksClient> {
    const home = options.home ?? homedir();
    const env = options.env ?? process.env;
    const settings = await loadSettings({ home, env, settingsFile: options.settingsFile, cwd: options.cwd, allowMissing: options.allowMissingSettingsFile });
    return new PaksClient({ ...options, home, env }, settings);
  }

  get values(): Settings {
    return this.settings.values;
  }

  /** A path setting with ~ expanded. */
  path(key: 'cache_dir'): string {
    return expandHome(this.values[key], this.home);
  }

  async reloadSettings(settingsFile?: string): Promise<void> {
    this.settings = await loadSettings({ home: this.home, env: this.env, settingsFile: settingsFile ?? this.settings.userFile, cwd: this.cwd, allowMissing: true });
  }

  /** Which Spack Paks uses, found once. */
  async locateSpack(): Promise<SpackInstallation> {
    const settingRoot = this.values.spack_root ? expandHome(this.values.spack_root, this.home) : null;
    const { locateSpack } = await import('./spack/locate.js');
    return locateSpack({ flagRoot: this.spackRootFlag, settingRoot, env: this.env });
  }

  spack(): Promise<SpackRunner> {
    this.spackPromise ??= Promise.all([this.locateSpack(), import('./spack/runner.js')]).then(
      ([installation, { SpackRunner }]) => {
        this.spackFound = `${installation.executable} (from ${installation.source})`;
        return new SpackRunner(installation, { env: this.env, reporter: this.reporter });
      },
      (error: unknown) => {
        this.spackFound = 'none found';
        throw error;
      },
    );
    return this.spackPromise;
  }

  /** How a REPL or console.log shows the client: which Spack and settings file (never the environment: it may hold tokens). */
  [inspect.custom](): string {
    const file = this.settings.userFile;
    return `[paks-client spack: ${this.spackFound ?? 'not looked up yet'}; settings: ${file}${existsSync(file) ? '' : ' (not created: defaults)'}]`;
  }

  /**
   * Installed specs, Spack's default tree then the build tree (build/tree.ts), asked at once;
   * `prefixes: false` saves a Spack call when install prefixes are not needed. The default
   * tree's queries start as soon as Spack is found; the build tree is asked only when Paks has
   * built into it (build/tree-note.ts), and only then is its code loaded.
   */
  async list(constraints: readonly string[] = [], options: { prefixes?: boolean } = {}): Promise<InstalledSpec[]> {
    const [spack, { findInstalled }] = await Promise.all([this.spack(), import('./spack/installed.js')]);
    const [installed, built] = await Promise.all([
      findInstalled(spack, constraints, options),
      // The build tree's code (its scope writer, target tables) loads only when Paks has built into it.
      import('./build/tree-note.js')
        .then(({ buildTreeUsed }) => buildTreeUsed(this))
        .then((used) => (used ? import('./build/tree.js').then(({ findInBuildTree }) => findInBuildTree(this, constraints, options)) : [])),
    ]);
    return [...installed, ...built];
  }

  async planUninstall(specs: readonly string[], options: UninstallOptions = {}): Promise<UninstallPlan> {
    const { planUninstall } = await import('./spack/uninstall.js');
    return planUninstall((constraints) => this.list(constraints), specs, options);
  }

  async uninstall(plan: UninstallPlan): Promise<string[]> {
    const { uninstallPlanned } = await import('./build/tree.js');
    return uninstallPlanned(this, plan);
  }

  async install(args: readonly string[], options: InstallOptions = {}): Promise<InstallReport> {
    const { installSpecs } = await import('./install/install.js');
    return installSpecs(this, args, options);
  }

  /**
   * An OCI registry client with the user's credentials and this run's transport choices.
   * File digests are remembered in cache_dir, so an unchanged file is not hashed again.
   */
  async registryClient(options: { plainHttp?: boolean | undefined; httpsOnly?: boolean; concurrency?: number | undefined; signal?: AbortSignal | undefined } = {}): Promise<RegistryClient> {
    const [{ createRegistryClient }, { createCredentialProvider }, { loadFileDigestCache }] = await Promise.all([
      import('./oci/client.js'),
      import('./oci/auth/credentials.js'),
      import('./oci/digest-cache.js'),
    ]);
    const caFile = this.values.registry_ca_file ? expandHome(this.values.registry_ca_file, this.home) : null;
    return createRegistryClient({
      ...(caFile ? { ca: [await readCaFile(caFile)] } : {}),
      credentials: createCredentialProvider({
        env: this.env,
        home: this.home,
        githubUsername: this.values.username,
        warn: (message) => this.reporter.warn(message),
      }),
      // httpsOnly: as Spack talks to registries (no plain-HTTP fallback on loopback).
      ...(options.plainHttp ? { plainHttp: true } : options.httpsOnly ? { plainHttp: false } : {}),
      concurrency: options.concurrency ?? this.values.registry_concurrency,
      responseTimeoutMs: this.values.registry_timeout * 1000,
      ...(options.signal ? { signal: options.signal } : {}),
      reporter: this.reporter,
      userAgent: `paks/${paksVersion()}`,
      digestCache: await loadFileDigestCache(join(this.path('cache_dir'), 'oci-digests.json')),
    });
  }

  /** Reads https:// and file:// URLs (Spack mirrors, published keys), trusting registry_ca_file too. */
  async urlFetcher(): Promise<UrlFetcher> {
    const { createUrlFetcher } = await import('./http/fetch-url.js');
    const caFile = this.values.registry_ca_file ? expandHome(this.values.registry_ca_file, this.home) : null;
    return createUrlFetcher({ ...(caFile ? { ca: [await readCaFile(caFile)] } : {}), userAgent: `paks/${paksVersion()}`, responseTimeoutMs: this.values.registry_timeout * 1000 });
  }

  /** Where Paks keeps clones of package repositories. */
  get repositoryCacheDir(): string {
    return join(this.path('cache_dir'), 'repos');
  }
}
