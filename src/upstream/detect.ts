/**
 * Which upstream versions a package has, from the source its recipe and rules choose:
 * picks the source (livecheck's strategy priority), asks it, and applies the rules.
 * Fetching lives here; the sources' parse functions stay pure.
 */
import { describeError, PaksError } from '../errors.js';
import type { SpackRunner } from '../spack/runner.js';
import { newestRecipeVersion, type Recipe } from './recipe.js';
import { newestAllowed, type UpdateRules } from './rules.js';
import type { Candidate, SourceName } from './sources/candidate.js';
import * as github from './sources/github.js';
import * as pypi from './sources/pypi.js';
import * as spackSource from './sources/spack.js';
import { compareVersions, isBranchVersion, parseVersion, type SpackVersion } from './version.js';

/** What the update needs from GitHub (src/github over Octokit; tests use the fake GitHub API). */
export interface ReleaseLister {
  /** Releases, newest first (drafts may be included: they are skipped). */
  releases(owner: string, repo: string): Promise<github.ReleaseEntry[]>;
  tags(owner: string, repo: string): Promise<{ name: string }[]>;
}

export interface DetectOptions {
  spack: SpackRunner;
  github?: ReleaseLister | undefined;
  pypiUrl?: string | undefined;
  fetch?: typeof fetch;
  /** --pre: pre-releases count for every package. */
  pre?: boolean;
  /** The package's versions as Spack lists them (else read from package.py). */
  knownVersions?: readonly string[] | undefined;
}

export interface Detection {
  package: string;
  current: string | undefined;
  source: SourceName | 'none';
  /** The newest version upstream that the rules allow, whether or not it is newer. */
  newestUpstream: string | undefined;
  /** Set when upstream has a version newer than the recipe's. */
  update: Candidate | undefined;
  /** Set when upstream could not be reached or read: one sentence. */
  error: string | undefined;
}

/** The source for a recipe: the rule's choice, else PyPI for a pypi attribute, GitHub for a github.com URL, else Spack's own detection. */
export function chooseSource(recipe: Recipe, rules: UpdateRules): SourceName | 'none' {
  if (rules.source) return rules.source;
  if (pypi.appliesTo(recipe)) return 'pypi';
  if (github.appliesTo(recipe)) return 'github';
  if (spackSource.appliesTo(recipe)) return 'spack';
  return 'none';
}

export async function detect(recipe: Recipe, rules: UpdateRules, options: DetectOptions): Promise<Detection> {
  const source = chooseSource(recipe, rules);
  const current = options.knownVersions ? newestKnown(options.knownVersions) : newestRecipeVersion(recipe);
  const base: Detection = { package: recipe.name, current: current?.text, source, newestUpstream: undefined, update: undefined, error: undefined };
  if (source === 'none') return base;
  let candidates: Candidate[];
  try {
    candidates = await ask(source, recipe, options);
  } catch (error) {
    return { ...base, error: describeError(error).replace(/\.?$/, '.') };
  }
  const newestAny = newestAllowed(candidates, undefined, rules, options.pre);
  // `spack versions --new` names only newer versions: none means upstream's newest is ours.
  const newestUpstream = newestAny?.version.text ?? (source === 'spack' ? current?.text : undefined);
  return { ...base, newestUpstream, update: newestAllowed(candidates, current, rules, options.pre) };
}

function newestKnown(versions: readonly string[]): SpackVersion | undefined {
  const parsed = versions.map(parseVersion).filter((v): v is SpackVersion => v !== undefined && !isBranchVersion(v));
  return parsed.sort((a, b) => compareVersions(b, a))[0];
}

async function ask(source: SourceName, recipe: Recipe, options: DetectOptions): Promise<Candidate[]> {
  switch (source) {
    case 'github': {
      const q = github.query(recipe);
      if (!q) throw new PaksError('usage', `${recipe.name} has update source github, but its url, list_url and git are not on github.com.`);
      if (!options.github) throw new PaksError('usage', `Checking ${recipe.name} on GitHub needs the GitHub API, which is not set up.`);
      const found = github.parseReleases(await options.github.releases(q.owner, q.repo), q);
      if (found.length) return found;
      return github.parseTags(await options.github.tags(q.owner, q.repo), q);
    }
    case 'pypi': {
      const q = pypi.query(recipe, options.pypiUrl);
      if (!q) throw new PaksError('usage', `${recipe.name} has update source pypi, but no pypi = "NAME/FILE" attribute.`);
      return parseOrExplain(() => pypi.parse, fetchJson(q.url, options.fetch), q, `PyPI's answer for ${q.project}`);
    }
    case 'spack': {
      const result = await options.spack.run(spackSource.query(recipe), { doing: `list the upstream versions of ${recipe.name}` });
      return spackSource.parse(result.stdout, recipe);
    }
  }
}

async function parseOrExplain<Q>(parser: () => (body: unknown, q: Q) => Candidate[], body: Promise<unknown>, q: Q, what: string): Promise<Candidate[]> {
  const content = await body;
  try {
    return parser()(content, q);
  } catch {
    throw new PaksError('network', `${what} is not in the expected shape, so Paks could not read versions from it.`);
  }
}

async function fetchJson(url: string, fetchImpl: typeof fetch = fetch): Promise<unknown> {
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'follow', signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    throw new PaksError('network', `Could not reach ${url}: ${code === 'ECONNREFUSED' ? 'the connection was refused' : (error as Error).message}.`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new PaksError('network', `${url} answered ${response.status}${response.status === 404 ? ' (no such project)' : ''}.`);
  }
  const text = await boundedText(response, MAX_JSON_BYTES);
  if (text === undefined) throw new PaksError('network', `${url} answered with more than ${MAX_JSON_BYTES / 1024 ** 2} MiB, more than any project's metadata.`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PaksError('network', `${url} did not answer with JSON.`);
  }
}

// PyPI's JSON for projects with thousands of files runs to tens of MiB.
const MAX_JSON_BYTES = 128 * 1024 ** 2;

async function boundedText(response: Response, limit: number): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
