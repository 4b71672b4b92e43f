import type { SpackRunner } from './runner.js';
import { checkSpecArguments } from './runner.js';
import { specFileArguments } from './dialect/install.js';

export type BuildcacheMode = 'auto' | 'only' | 'never';

export interface SpackInstallOptions {
  /** Binary cache use for the package and its dependencies (`--use-buildcache`). */
  buildcache?: { package: BuildcacheMode; dependencies: BuildcacheMode };
  /** Concrete spec files to install exactly, without concretizing (0.23 `-f FILE`, 1.x `FILE.json`). */
  specFiles?: readonly string[];
  /** Paks already verified the signatures (only ever set after that check). */
  skipSignatureCheck?: boolean;
  failFast?: boolean;
  jobs?: number;
  onLine?: (line: string) => void;
  live?: boolean;
  /** Spack's build-time tests (`--test=root|all`). */
  tests?: 'root' | 'all' | undefined;
  /** Spack's own JUnit report of the install (`--log-format junit --log-file`). */
  junitFile?: string | undefined;
  /** Concretize the roots afresh (their recipe as it is now), reusing installed dependencies. */
  freshRoots?: boolean;
  /** Return a failed install (with Spack's output) instead of throwing. */
  allowFailure?: boolean;
}

export interface InstalledPrefix {
  name: string;
  version: string;
  hash: string;
  prefix: string;
  external: boolean;
}

/** A spec Spack installed in this call, by the way it got it. */
export interface InstalledNode {
  name: string;
  version: string;
  hash: string;
}

export interface SpackInstallResult {
  /** Every `[+]` line Spack printed, in order. */
  installed: InstalledPrefix[];
  /** What Spack built from source in this call (`Successfully installed` without a binary), in order. */
  builtFromSource: InstalledNode[];
  /** What it extracted from a build cache in this call. */
  fromBuildCache: InstalledNode[];
  /** With allowFailure: Spack's exit code and output when it failed. */
  failure?: { exitCode: number; stdout: string; stderr: string };
}

/** `spack install`, with Spack's progress shown live and its `[+] prefix` lines parsed. */
export async function spackInstall(spack: SpackRunner, specs: readonly string[], options: SpackInstallOptions = {}): Promise<SpackInstallResult> {
  const args = ['install'];
  if (options.failFast) args.push('--fail-fast');
  if (options.jobs) args.push('-j', String(options.jobs));
  if (options.buildcache) args.push('--use-buildcache', `package:${options.buildcache.package},dependencies:${options.buildcache.dependencies}`);
  if (options.skipSignatureCheck) args.push('--no-check-signature');
  if (options.freshRoots) args.push('--fresh-roots');
  if (options.tests) args.push(`--test=${options.tests}`);
  if (options.junitFile) args.push('--log-format', 'junit', '--log-file', options.junitFile);
  if (options.specFiles?.length) args.push(...specFileArguments(await spack.dialect(), options.specFiles));
  const checked = checkSpecArguments(specs);
  args.push(...checked);
  const installed: InstalledPrefix[] = [];
  const sources = new InstallSources();
  const result = await spack.run(args, {
    allowFailure: options.allowFailure ?? false,
    live: options.live ?? true,
    doing: `install ${[...checked, ...(options.specFiles ?? []).map(() => 'the cached spec')].join(' ')}`,
    onLine: (line) => {
      const parsed = parseInstalledLine(line);
      if (parsed) installed.push(parsed);
      sources.read(line);
      options.onLine?.(line);
    },
  });
  const done = { installed, builtFromSource: sources.builtFromSource, fromBuildCache: sources.fromBuildCache };
  if (result.exitCode !== 0) return { ...done, failure: { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr } };
  return done;
}

const EXTRACTING = /^==> Extracting (\S+)-([a-z2-7]{32}) from binary cache$/;
const BINARY_FAILED = /^==> Error: Failed to install (\S+) from binary cache/;
const SUCCESS = /^==> (\S+): Successfully installed (\S+)-([a-z2-7]{32})$/;

/**
 * Tells source builds from binary installs in `spack install`'s output, the same in 0.23 and
 * 1.x (transcripts 09 and 68): a binary is `Extracting <id> from binary cache` before its
 * `<name>: Successfully installed <id>`; a binary that failed is requeued and built from source.
 */
export class InstallSources {
  readonly builtFromSource: InstalledNode[] = [];
  readonly fromBuildCache: InstalledNode[] = [];
  private readonly extracting = new Set<string>();
  private readonly requeued = new Set<string>();

  read(line: string): void {
    const text = line.trimEnd();
    const extracting = EXTRACTING.exec(text);
    if (extracting) {
      this.extracting.add(extracting[2]!);
      return;
    }
    // Requeued: the spec of that name is built from source after all.
    const failed = BINARY_FAILED.exec(text);
    if (failed) {
      this.requeued.add(failed[1]!);
      return;
    }
    const success = SUCCESS.exec(text);
    if (!success) return;
    const [, name, id, hash] = success as unknown as [string, string, string, string];
    const node = { name, version: id.startsWith(`${name}-`) ? id.slice(name.length + 1) : '', hash };
    const binary = this.extracting.delete(hash) && !this.requeued.has(name);
    this.requeued.delete(name);
    (binary ? this.fromBuildCache : this.builtFromSource).push(node);
  }
}

const EXTERNAL = /^\[\+\] (\S.*) \(external (.+)-([a-z2-7]{32})\)$/;
const PREFIX = /^\[\+\] (\/\S.*)$/;

/** Reads `[+] /prefix/name-version-hash` and `[+] /usr (external name-version-hash)`. */
export function parseInstalledLine(line: string): InstalledPrefix | undefined {
  const external = EXTERNAL.exec(line.trimEnd());
  if (external) {
    const { name, version } = splitNameVersion(external[2]!);
    return { name, version, hash: external[3]!, prefix: external[1]!, external: true };
  }
  const plain = PREFIX.exec(line.trimEnd());
  if (!plain) return undefined;
  const prefix = plain[1]!;
  const base = prefix.slice(prefix.lastIndexOf('/') + 1);
  const match = /^(.+)-([a-z2-7]{32})$/.exec(base);
  if (!match) return { name: base, version: '', hash: '', prefix, external: false };
  const { name, version } = splitNameVersion(match[1]!);
  return { name, version, hash: match[2]!, prefix, external: false };
}

/** `hello-paks-1.1.0` → hello-paks, 1.1.0 (a version starts after the last dash before a digit). */
function splitNameVersion(text: string): { name: string; version: string } {
  const match = /^(.*?)-(\d[^-]*(?:-[^-]+)*)$/.exec(text);
  return match ? { name: match[1]!, version: match[2]! } : { name: text, version: '' };
}

/** The prefix Spack printed last for a root named like `spec` (its name before any @ or %). */
export function prefixForRoot(result: SpackInstallResult, spec: string): InstalledPrefix | undefined {
  const name = /^[A-Za-z0-9_.-]+/.exec(spec.replace(/^[\w.-]+\./, ''))?.[0]?.replace(/@.*$/, '');
  const matches = result.installed.filter((entry) => entry.name === name);
  return matches.at(-1);
}
