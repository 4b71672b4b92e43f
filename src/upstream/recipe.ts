/**
 * What Paks reads from a package.py without running Python: the class attributes that say
 * where upstream is (url, list_url, git, pypi) and the version() directives. Only plain
 * string literals count; anything computed is left to Spack (`spack checksum` prints the
 * URL its url_for_version gives, and Paks compares against it).
 */
import { compareVersions, parseVersion, type SpackVersion } from './version.js';

export interface RecipeVersion {
  text: string;
  version: SpackVersion | undefined;
  sha256: string | undefined;
  /** branch=/tag=/commit= versions are git checkouts, not tarballs. */
  fromGit: boolean;
  deprecated: boolean;
  /** A url= given for this version only. */
  url: string | undefined;
  /** Offset of the line that holds the directive, and of the character after its ")". */
  lineStart: number;
  end: number;
  indent: string;
  quote: '"' | "'";
}

export interface Recipe {
  name: string;
  source: string;
  url: string | undefined;
  listUrl: string | undefined;
  git: string | undefined;
  pypi: string | undefined;
  /** The recipe defines its own url_for_version: only Spack can say the URL. */
  customUrlForVersion: boolean;
  versions: RecipeVersion[];
}

const CLASS_INDENT = '    ';

export function readRecipe(name: string, source: string): Recipe {
  return {
    name,
    source,
    url: classAttribute(source, 'url'),
    listUrl: classAttribute(source, 'list_url'),
    git: classAttribute(source, 'git'),
    pypi: classAttribute(source, 'pypi'),
    customUrlForVersion: /^\s+def\s+url_for_version\s*\(/m.test(source),
    versions: versionDirectives(source),
  };
}

/** The newest checksummed (tarball) version in the recipe: what "current" means. */
export function newestRecipeVersion(recipe: Recipe): SpackVersion | undefined {
  const versions = recipe.versions.filter((v) => !v.fromGit && v.version).map((v) => v.version!);
  return versions.sort((a, b) => compareVersions(b, a))[0];
}

function classAttribute(source: string, key: string): string | undefined {
  const match = new RegExp(`^${CLASS_INDENT}${key}\\s*=\\s*(?:"([^"\\\\\\n]*)"|'([^'\\\\\\n]*)')\\s*(?:#.*)?$`, 'm').exec(source);
  return match ? (match[1] ?? match[2]) : undefined;
}

function versionDirectives(source: string): RecipeVersion[] {
  const found: RecipeVersion[] = [];
  const start = new RegExp(`^(${CLASS_INDENT})version\\(`, 'gm');
  let match: RegExpExecArray | null;
  while ((match = start.exec(source))) {
    const open = match.index + match[0].length - 1;
    const close = closingParen(source, open);
    if (close < 0) break;
    const args = source.slice(open + 1, close);
    const first = /^\s*(["'])([^"'\\\n]+)\1/.exec(args);
    start.lastIndex = close + 1;
    if (!first) continue;
    const text = first[2]!;
    found.push({
      text,
      version: parseVersion(text),
      sha256: keyword(args, 'sha256'),
      fromGit: /\b(branch|tag|commit|submodules)\s*=/.test(args),
      deprecated: /\bdeprecated\s*=\s*True\b/.test(args),
      url: keyword(args, 'url'),
      lineStart: match.index,
      end: close + 1,
      indent: match[1]!,
      quote: first[1] as '"' | "'",
    });
  }
  return found;
}

function keyword(args: string, key: string): string | undefined {
  const match = new RegExp(`\\b${key}\\s*=\\s*(?:"([^"\\\\\\n]*)"|'([^'\\\\\\n]*)')`).exec(args);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Index of the ")" matching the "(" at `open`, skipping strings and comments; -1 if none. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const end = triple ? text.indexOf(c.repeat(3), i + 3) : stringEnd(text, i, c);
      if (end < 0) return -1;
      i = triple ? end + 2 : end;
    } else if (c === '#') {
      const eol = text.indexOf('\n', i);
      if (eol < 0) return -1;
      i = eol;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

function stringEnd(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
    else if (text[i] === '\n') return -1;
  }
  return -1;
}

/**
 * The package.py text with `version("V", sha256="…")` added where Spack keeps it: newest
 * first, before the first older top-level version, in the neighbours' indentation and quotes.
 * Returns undefined when the version is already there.
 */
export function withVersionAdded(recipe: Recipe, version: SpackVersion, sha256: string): string | undefined {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`'${sha256}' is not a sha256 digest`);
  if (recipe.versions.some((v) => v.text === version.text)) return undefined;
  const tarballs = recipe.versions.filter((v) => v.version && !v.fromGit);
  const anchor = tarballs.find((v) => compareVersions(v.version!, version) < 0);
  const style = anchor ?? tarballs[0] ?? recipe.versions[0];
  if (!style) throw new Error(`${recipe.name}'s package.py has no version() directive to place the new version beside`);
  const q = style.quote;
  const line = `${style.indent}version(${q}${version.text}${q}, sha256=${q}${sha256}${q})\n`;
  let at: number;
  if (anchor) at = anchor.lineStart;
  else {
    // Older than every listed version: after the last one.
    const last = tarballs[tarballs.length - 1] ?? style;
    const eol = recipe.source.indexOf('\n', last.end);
    at = eol < 0 ? recipe.source.length : eol + 1;
  }
  return recipe.source.slice(0, at) + line + recipe.source.slice(at);
}
