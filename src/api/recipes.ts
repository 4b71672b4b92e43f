/**
 * What the package repository says about its recipes, asked of Spack through its command line:
 * `spack list --format version_json -r NS` once (versions, homepage, maintainers, dependencies)
 * and `spack info --tests NAME` per package (description, variants, licences, stand-alone tests).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { PaksError } from '../errors.js';
import { mapWithConcurrency } from '../oci/pool.js';
import type { PackageRepository } from '../repository/source.js';
import { parseSpackInfo } from '../sbom/spack-info.js';
import type { SpackRunner } from '../spack/runner.js';
import { withTemporaryScope } from '../spack/scope.js';

export interface RecipeVariant {
  name: string;
  default: string;
  values: string;
  description?: string;
}

export interface Recipe {
  name: string;
  description?: string;
  homepage?: string;
  licenses: string[];
  /** Newest first, as Spack sorts them. */
  versions: string[];
  latestVersion?: string;
  maintainers: string[];
  dependencies: { build: string[]; link: string[]; run: string[]; test: string[] };
  variants: RecipeVariant[];
  /** Stand-alone test methods (`spack test run`), e.g. `GreetPaks.test_run`. */
  standaloneTests: string[];
}

const versionJsonSchema = z.array(
  z.object({
    name: z.string().min(1),
    latest_version: z.string(),
    versions: z.array(z.string()),
    homepage: z.string(),
    file: z.string().optional(),
    maintainers: z.array(z.string()).default([]),
    dependencies: z
      .object({ build: z.array(z.string()).default([]), link: z.array(z.string()).default([]), run: z.array(z.string()).default([]), test: z.array(z.string()).default([]) })
      .partial()
      .default({}),
  }),
);
export type VersionJsonEntry = z.infer<typeof versionJsonSchema>[number];

/** Parses `spack list --format version_json` (0.23 and 1.x print the same fields). */
export function parseVersionJson(text: string): VersionJsonEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PaksError('spack', `Spack's package list (spack list --format version_json) is not JSON: ${(error as Error).message}.`);
  }
  const parsed = versionJsonSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PaksError('spack', `Spack's package list is not in the expected form (${issue?.path.join('.') || 'top level'}: ${issue?.message}).`);
  }
  return parsed.data;
}

/**
 * The parts of `spack info --tests` that version_json lacks. Spack 0.23 and 1.x differ in the
 * dependency section only, which is not read here.
 */
export function recipeDetailsFromInfo(text: string): Pick<Recipe, 'description' | 'licenses' | 'variants' | 'standaloneTests'> {
  const info = parseSpackInfo(text);
  // "Stand-Alone/Smoke Test Methods:" is not a plain-word title, so it is read here.
  const tests = /^Stand-Alone\/Smoke Test Methods:\n((?: {4}.*\n?)*)/m.exec(text.replace(/\r\n/g, '\n'));
  const standaloneTests = (tests?.[1] ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && line !== 'None');
  // Spack says UNKNOWN (or NOASSERTION) for a recipe that declares no licence: that is not a licence.
  const licenses = info.licenses.map((l) => l.trim()).filter((l) => l && l !== 'None' && !/^(UNKNOWN|NOASSERTION)$/i.test(l));
  return {
    ...(info.description ? { description: info.description } : {}),
    licenses,
    variants: info.variants.map((v) => ({ name: v.name, default: v.default, values: v.values, ...(v.description ? { description: v.description } : {}) })),
    standaloneTests,
  };
}

/** `spack info` output remembered by recipe content: recipes rarely change, and Spack is slow to ask. */
export interface InfoCache {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

export function createInfoCache(): InfoCache & { entries(): Record<string, string> } {
  const map = new Map<string, string>();
  return { get: (k) => map.get(k), set: (k, v) => void map.set(k, v), entries: () => Object.fromEntries(map) };
}

export interface CollectRecipesOptions {
  spack: SpackRunner;
  repository: PackageRepository;
  /** Spack processes at once for `spack info`. */
  concurrency?: number;
  cache?: InfoCache;
  onRecipe?: (name: string) => void;
}

export async function collectRecipes(options: CollectRecipesOptions): Promise<Recipe[]> {
  const { repository } = options;
  return withTemporaryScope({ dialect: await options.spack.dialect(), repos: [repository.root] }, async (scope) => {
    const spack = scope ? options.spack.withScope(scope.dir) : options.spack;
    const listed = await spack.run(['list', '--format', 'version_json', '-r', repository.namespace], { doing: `list the packages of ${repository.root}` });
    const entries = parseVersionJson(listed.stdout);
    return mapWithConcurrency(entries, options.concurrency ?? 4, async (entry) => {
      const key = `${entry.name}:${await recipeDigest(join(repository.packagesDir, entry.name))}`;
      let text = options.cache?.get(key);
      if (text === undefined) {
        text = (await spack.run(['info', '--tests', entry.name], { doing: `read the recipe of ${entry.name}` })).stdout;
        options.cache?.set(key, text);
      }
      options.onRecipe?.(entry.name);
      const recipe: Recipe = {
        name: entry.name,
        ...(entry.homepage && entry.homepage !== 'None' ? { homepage: entry.homepage } : {}),
        versions: entry.versions,
        ...(entry.latest_version ? { latestVersion: entry.latest_version } : {}),
        maintainers: entry.maintainers,
        dependencies: { build: [], link: [], run: [], test: [], ...entry.dependencies },
        ...recipeDetailsFromInfo(text),
      };
      return recipe;
    });
  });
}

/** sha256 over the recipe folder (package.py and its patches), names included. */
async function recipeDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (at: string, prefix: string): Promise<void> => {
    const entries = (await readdir(at, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name === '__pycache__') continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile()) hash.update(`${prefix}${entry.name}\0`).update(await readFile(path)).update('\0');
    }
  };
  await walk(dir, '');
  return hash.digest('hex');
}
