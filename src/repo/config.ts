import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isMap, isSeq, type LineCounter, type Node } from 'yaml';
import * as z from 'zod';
import { PaksError } from '../errors.js';
import { parseYamlFile } from '../fs/yaml-file.js';
import { tagNameProblem } from './ref-name.js';
import { updateRulesSchema } from '../upstream/rules.js';
import { targetProblem } from '../build/target.js';

/** The settings file of a community package repository, at its root. */
export const REPO_CONFIG_FILE = 'paks.yaml';

export const TEST_LEVELS = ['root', 'all', 'none'] as const;
export type TestLevel = (typeof TEST_LEVELS)[number];

/** A Spack package name: lowercase letters, digits and dashes (Spack's own rule for new packages). */
export const PACKAGE_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** A GitHub Actions runner image, e.g. ubuntu-24.04 or macos-14. */
const runner = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a runner image name such as ubuntu-24.04');
/**
 * A platform: a runner alone (the old form, also a reference to a named platform), or an
 * architecture's build environment — the runner plus the container image the build job runs
 * in, whose glibc is the oldest the binaries need (e.g. x86_64-glibc2.28 on manylinux_2_28).
 */
const platform = z.union([
  runner,
  z
    .object({
      /** What the workflows and artifacts call it, e.g. x86_64-glibc2.28. */
      name: runner,
      runner,
      /** The image the build job runs in (pin it with @sha256:…); none: on the runner itself. */
      image: z.string().regex(/^[a-z0-9][a-z0-9._\/:@-]*$/, 'a container image such as quay.io/pypa/manylinux_2_28_x86_64').optional(),
    })
    .strict(),
], { error: 'a runner name (e.g. ubuntu-24.04) or a platform with name, runner and image' });
export type PlatformEntry = z.infer<typeof platform>;

/** Where one platform's build job runs: the matrix entry's runner and container image ('' for none). */
export interface BuildPlatform {
  name: string;
  runner: string;
  image: string;
}
const testLevel = z.enum(TEST_LEVELS);
/** Target families to build, e.g. [x86_64_v2, x86_64_v3, aarch64]: each job builds those of its own CPU family. */
const targets = z.array(z.string().refine((t) => targetProblem(t) === undefined && t !== 'auto' && t !== 'host', 'a target family such as x86_64_v2, x86_64_v3 or aarch64')).min(1);

/** A runnable single-package image pushed beside each package (`<registry>/<package>/container`). */
const containerSchema = z
  .object({
    /** The base image, e.g. ghcr.io/org/base:1 (its layers come first, verified). */
    base_image: z.string().min(1),
    /** The image's entrypoint instead of a shell. */
    entrypoint: z.string().min(1).optional(),
  })
  .strict();

/**
 * What one package may override or add. Later features add their own key here
 * (`update:` for upstream updates, `container:` for container images): one key each,
 * strict, so a typo is an error and not a silently ignored setting.
 */
export const packageSettingsShape = {
  /** Runner images for this package instead of the repository's list. */
  platforms: z.array(platform).min(1).optional(),
  /** Target families for this package instead of the repository's `targets:`. */
  targets: targets.optional(),
  tests: testLevel.optional(),
  /** Build it, but never sign, push or release it (e.g. a private helper). */
  publish: z.boolean().optional(),
  /** Upstream updates (paks update): source, ignore, track, pre. */
  update: updateRulesSchema.optional(),
  /** A container for this package (overrides the repository's `container:`; null: none). */
  container: containerSchema.nullable().optional(),
};

export const packageSettingsSchema = z.object(packageSettingsShape).strict();
export type PackageSettings = z.infer<typeof packageSettingsSchema>;

// Host[:port] and OCI repository path components (lowercase, single slashes, inner separators only).
const registryPath = z.string().regex(/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'a registry path such as ghcr.io/org/repo (lowercase)');

/** Where the workflows keep what they built that is not a package of the repository, unless paks.yaml says otherwise. */
export const BUILD_CACHE_NAME = 'spack-buildcache';

export const repoConfigShape = {
  /** Where each package goes: <registry>/<package>. */
  registry: registryPath,
  /**
   * Spack's own OCI build cache of everything the workflows built that is not a package here
   * (dependencies, build tools), so the next run takes them as binaries. Default
   * `<registry>/spack-buildcache`; false: none.
   */
  build_cache: z.union([registryPath, z.literal(false)]).optional(),
  platforms: z.array(platform).min(1).default(['ubuntu-22.04', 'ubuntu-24.04']),
  /** Target families every package is built for (none: the build_target setting). */
  targets: targets.optional(),
  tests: testLevel.default('root'),
  signing: z
    .object({
      /** The publisher's public key, committed in the repository (relative path). */
      public_key: z.string().min(1).nullable().default('keys/publisher.asc'),
    })
    .strict()
    .default({ public_key: 'keys/publisher.asc' }),
  release: z
    .object({
      /** Tag of a package's release: {package} and {version} are filled in. */
      tag: z
        .string()
        .regex(/\{package\}/, 'a tag pattern that contains {package}')
        .regex(/\{version\}/, 'a tag pattern that contains {version}')
        .superRefine((pattern, ctx) => {
          const example = fillTagPattern(pattern, 'zlib', '1.3.1');
          const problem = tagNameProblem(example);
          if (problem) ctx.addIssue({ code: 'custom', message: `a pattern whose tags git accepts ("${example}" ${problem})` });
        })
        .default('{package}-v{version}'),
    })
    .strict()
    .default({ tag: '{package}-v{version}' }),
  /** A container for every published package, unless the package says otherwise. */
  container: containerSchema.optional(),
  packages: z.record(z.string().regex(PACKAGE_NAME, 'a package name (lowercase letters, digits, dashes)'), packageSettingsSchema.nullable().transform((v) => v ?? {})).default({}),
};

export const repoConfigSchema = z.object(repoConfigShape).strict();
export type RepoConfig = z.infer<typeof repoConfigSchema>;

/** Where a community repository is, and its settings. */
export interface CommunityRepository {
  /** The folder that holds paks.yaml (and repo.yaml, packages/, .github/). */
  root: string;
  configFile: string;
  config: RepoConfig;
}

/**
 * The repository root: `--repo DIR` if given (DIR or a folder above it), else the current
 * folder or the nearest folder above it, that holds paks.yaml.
 */
export async function findRepository(cwd: string, repoFlag?: string): Promise<string> {
  const start = repoFlag ? resolve(cwd, repoFlag) : resolve(cwd);
  if (repoFlag && !(await exists(start))) {
    throw new PaksError('usage', `--repo ${repoFlag} does not exist.`, { hint: 'Give the folder of a repository made with "paks repo init".' });
  }
  for (let dir = start; ; dir = dirname(dir)) {
    if (await exists(join(dir, REPO_CONFIG_FILE))) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new PaksError('usage', `${repoFlag ? repoFlag : 'This folder'} is not inside a Paks package repository: no ${REPO_CONFIG_FILE} in ${start} or above it.`, {
    hint: 'Run the command inside the repository, pass --repo DIR, or create one with "paks repo init DIR".',
  });
}

/** Reads and validates <root>/paks.yaml. Problems name the key and its line; exit code 2. */
export async function loadRepoConfig(root: string): Promise<RepoConfig> {
  const file = join(root, REPO_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PaksError('settings', code === 'ENOENT' ? `${file} does not exist.` : `Cannot read ${file}: ${(error as Error).message}.`, {
      hint: 'Create a repository with "paks repo init DIR".',
    });
  }
  return parseRepoConfig(text, file);
}

/** findRepository + loadRepoConfig. */
export async function openCommunityRepository(cwd: string, repoFlag?: string): Promise<CommunityRepository> {
  const root = await findRepository(cwd, repoFlag);
  return { root, configFile: join(root, REPO_CONFIG_FILE), config: await loadRepoConfig(root) };
}

export function parseRepoConfig(text: string, file: string): RepoConfig {
  const parsed = parseYamlFile(text, file);
  const { doc, lineCounter } = parsed;
  const data: unknown = parsed.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new PaksError('settings', `${file} must hold a mapping of settings (key: value), not ${Array.isArray(data) ? 'a list' : typeof data}.`);
  }
  const result = repoConfigSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // An unknown key is reported at the key itself.
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const key = path.map(String).join('.') || '(top level)';
  const line = lineOf(doc.contents as Node | null, path as (string | number)[], lineCounter, issue.code === 'unrecognized_keys');
  const where = `${file}${line ? ` line ${line}` : ''}`;
  throw new PaksError('settings', `${where}: ${describeIssue(issue, key, data, path as (string | number)[])}.`, {
    hint: `See the "Community repositories" section of the Paks README for every key of ${REPO_CONFIG_FILE}.`,
  });
}

function describeIssue(issue: z.core.$ZodIssue, key: string, data: unknown, path: (string | number)[]): string {
  if (issue.code === 'unrecognized_keys') return `${key} is not a setting Paks knows`;
  const value = valueAt(data, path);
  if (value === undefined) return `${key} is required (${issue.message.replace(/^Invalid input: /, '')})`;
  const expected = issue.code === 'invalid_type' ? `a ${issue.expected}` : issue.code === 'invalid_value' ? `one of ${issue.values.map(String).join(', ')}` : issue.message.replace(/^Invalid (string|input): /, '').replace(/^must match pattern.*$/, 'valid');
  return `${key} must be ${expected}, not ${JSON.stringify(value)}`;
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let at: unknown = data;
  for (const part of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** The line of the deepest node on `path` (the key's own line for unknown keys). */
function lineOf(root: Node | null, path: (string | number)[], counter: LineCounter, atKey: boolean): number | undefined {
  let node: Node | null = root;
  let line = node?.range ? counter.linePos(node.range[0]).line : undefined;
  for (const [i, part] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === part);
      if (!pair) break;
      const keyNode = pair.key as Node;
      if (keyNode?.range) line = counter.linePos(keyNode.range[0]).line;
      if (atKey && i === path.length - 1) break;
      node = pair.value as Node | null;
      if (node?.range && !isMap(node) && !isSeq(node)) line = counter.linePos(node.range[0]).line;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part] as Node | null;
      if (node?.range) line = counter.linePos(node.range[0]).line;
    } else break;
  }
  return line;
}

/** The settings of one package: the repository's, with its own overrides. */
/** The repository's Spack build cache of dependencies (paks.yaml `build_cache`), or undefined when it has none. */
export function buildCacheOf(config: RepoConfig): string | undefined {
  if (config.build_cache === false) return undefined;
  return config.build_cache ?? `${config.registry}/${BUILD_CACHE_NAME}`;
}

export function packageSettings(config: RepoConfig, name: string): Required<Pick<PackageSettings, 'platforms' | 'tests' | 'publish'>> & PackageSettings {
  const own = config.packages[name] ?? {};
  const container = own.container === null ? undefined : (own.container ?? config.container);
  return { ...own, platforms: own.platforms ?? config.platforms, targets: own.targets ?? config.targets, tests: own.tests ?? config.tests, publish: own.publish ?? true, ...(container ? { container } : { container: undefined }) };
}

/** A package's platforms as build environments; a plain name that names a repository platform is that platform. */
export function buildPlatforms(config: RepoConfig, name: string): BuildPlatform[] {
  const named = new Map(config.platforms.filter((p) => typeof p !== 'string').map((p) => [p.name, p]));
  return packageSettings(config, name).platforms.map((entry) => {
    const p = typeof entry === 'string' ? (named.get(entry) ?? { name: entry, runner: entry }) : entry;
    return { name: p.name, runner: p.runner, image: p.image ?? '' };
  });
}

/** A platform's name, whichever form it is written in. */
export function platformName(entry: PlatformEntry): string {
  return typeof entry === 'string' ? entry : entry.name;
}

/** The release tag of a package version, from release.tag. */
export function releaseTag(config: RepoConfig, name: string, version: string): string {
  const tag = fillTagPattern(config.release.tag, name, version);
  const problem = tagNameProblem(tag);
  if (problem) throw new PaksError('settings', `The release tag ${JSON.stringify(tag)} of ${name} ${version} (release.tag in ${REPO_CONFIG_FILE}) is not a tag git accepts: it ${problem}.`);
  return tag;
}

function fillTagPattern(pattern: string, name: string, version: string): string {
  return pattern.replaceAll('{package}', name).replaceAll('{version}', version);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
