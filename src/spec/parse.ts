/**
 * Spack's abstract spec syntax (Spack 0.23 and 1.x documentation, "Spec Syntax"), parsed into
 * the constraints Paks checks itself. What Paks does not evaluate (propagated variants,
 * compiler flags, target ranges, edge attributes, spec files, several roots in one string)
 * is listed in `unevaluated`, so the caller can let Spack decide instead of guessing.
 */
import { PaksError } from '../errors.js';
import { formatVersionList, parseVersionList, type VersionConstraint } from './version-range.js';

export interface AbstractSpec {
  name?: string;
  namespace?: string;
  versions?: VersionConstraint[];
  /** A DAG hash prefix (`/abc1234`). */
  hash?: string;
  /** `+x`/`~x` as true/false; `key=a,b` as its values. */
  variants: Record<string, boolean | string[]>;
  compiler?: { name: string; versions?: VersionConstraint[] };
  platform?: string;
  os?: string;
  target?: string;
  /** `^dep...`: constraints on some node of the DAG. */
  dependencies: AbstractSpec[];
}

export interface ParsedRequest {
  text: string;
  /** Named, or (`/abc1234`, an installed spec by hash) at least hashed. */
  spec: AbstractSpec;
  /** Constructs Paks does not evaluate itself, as written. */
  unevaluated: string[];
}

const NAME = String.raw`[A-Za-z0-9_][A-Za-z0-9_.-]*`;
const VERSION = String.raw`=?[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:=[A-Za-z0-9_.\-]+)?`;
const VERSION_ITEM = String.raw`(?:${VERSION})?:(?:${VERSION}(?!\s*=))?|${VERSION}`;
const VERSION_LIST = String.raw`(?:${VERSION_ITEM})(?:\s*,\s*(?:${VERSION_ITEM}))*`;
const VALUE = String.raw`(?:'[^']*'|"[^"]*"|[A-Za-z0-9_\-+*.,:=~/\\]+)`;

const TOKENS: Array<[kind: string, pattern: string]> = [
  ['space', String.raw`\s+`],
  ['file', String.raw`(?:\.|/|[A-Za-z0-9_-]*/)[A-Za-z0-9_.\-/]*\.(?:json|yaml)(?![A-Za-z0-9_])`],
  ['edge', String.raw`\^\s*\[[^\]]*\]`],
  ['dep', String.raw`\^`],
  ['compiler-attr', String.raw`%\s*\[[^\]]*\]`],
  ['compiler', String.raw`%\s*(${NAME})(?:\s*@\s*(${VERSION_LIST}))?`],
  ['version', String.raw`@\s*(${VERSION_LIST})`],
  ['hash', String.raw`/\s*([a-z0-9]+)`],
  ['propagated-bool', String.raw`(?:\+\+|~~|--)\s*${NAME}`],
  ['bool', String.raw`([+~-])\s*(${NAME})`],
  ['propagated-kv', String.raw`${NAME}\s*==\s*${VALUE}`],
  ['kv', String.raw`(${NAME})\s*=\s*(${VALUE})`],
  ['name', `(${NAME})`],
];
const TOKENIZER = new RegExp(TOKENS.map(([kind, pattern]) => `(?<${kind.replace(/-/g, '_')}>${pattern})`).join('|'), 'y');
const TOKEN_PARTS = new Map(TOKENS.map(([kind, pattern]) => [kind.replace(/-/g, '_'), new RegExp(`^(?:${pattern})$`)]));

const FLAGS = new Set(['cflags', 'cxxflags', 'fflags', 'cppflags', 'ldflags', 'ldlibs']);

/** Parses one spec argument (`zlib@1.3:+shared %gcc ^cmake@3`), or says in one sentence why not. */
export function parseSpecRequest(text: string): ParsedRequest {
  const input = text.trim();
  const roots: AbstractSpec[] = [];
  const unevaluated: string[] = [];
  let current: AbstractSpec | undefined;
  let root: AbstractSpec | undefined;
  let dependencyNext = false;
  let at = 0;
  const start = (): AbstractSpec => {
    if (dependencyNext) {
      if (!root) throw syntaxError(input, at, 'a "^dependency" needs a package before it');
      const dep: AbstractSpec = { variants: {}, dependencies: [] };
      root.dependencies.push(dep);
      dependencyNext = false;
      return (current = dep);
    }
    if (!current) {
      const fresh: AbstractSpec = { variants: {}, dependencies: [] };
      roots.push(fresh);
      root = fresh;
      current = fresh;
    }
    return current;
  };
  while (at < input.length) {
    TOKENIZER.lastIndex = at;
    const match = TOKENIZER.exec(input);
    if (!match || match[0].length === 0) throw syntaxError(input, at, `unexpected "${input[at]}"`);
    const token = match[0];
    const kind = Object.entries(match.groups!).find(([, v]) => v !== undefined)![0];
    const inner = TOKEN_PARTS.get(kind)!.exec(token)!.slice(1);
    at += token.length;
    switch (kind.replace(/_/g, '-')) {
      case 'space':
        break;
      case 'dep':
        if (dependencyNext) throw syntaxError(input, at - 1, 'unexpected "^"');
        dependencyNext = true;
        break;
      case 'name': {
        // A name after a named spec (without "^") starts another root.
        if (!dependencyNext && current?.name !== undefined) current = undefined;
        const spec = start();
        const dot = token.lastIndexOf('.');
        // A dot before a letter separates a namespace (builtin.zlib).
        if (dot > 0 && /^[A-Za-z_]/.test(token.slice(dot + 1))) {
          spec.namespace = token.slice(0, dot);
          spec.name = token.slice(dot + 1);
        } else spec.name = token;
        break;
      }
      case 'version': {
        const spec = start();
        const list = inner[0]!.replace(/\s+/g, '');
        // git.<ref>=<version> and <commit>=<version> name sources, not releases: Spack's call.
        if (/git\.|[^,:]=/.test(list)) unevaluated.push(`@${list}`);
        else spec.versions = [...(spec.versions ?? []), ...parseVersionList(list)];
        break;
      }
      case 'compiler': {
        const spec = start();
        const name = inner[0]!;
        const versions = inner[1]?.replace(/\s+/g, '');
        spec.compiler = versions ? { name, versions: parseVersionList(versions) } : { name };
        break;
      }
      case 'hash':
        start().hash = inner[0]!;
        break;
      case 'bool': {
        const spec = start();
        spec.variants[inner[1]!] = inner[0] === '+';
        break;
      }
      case 'kv': {
        const spec = start();
        const key = inner[0]!;
        const value = inner[1]!;
        if (/^['"]/.test(value) || FLAGS.has(key) || ['dev_path', 'patches', 'namespace'].includes(key)) {
          unevaluated.push(token);
        } else if (key === 'arch' || key === 'architecture') {
          const parts = value.split('-');
          if (parts.length < 3) unevaluated.push(token);
          else {
            spec.platform = parts[0]!;
            spec.os = parts.slice(1, -1).join('-');
            spec.target = parts.at(-1)!;
          }
        } else if (key === 'platform') spec.platform = value;
        else if (key === 'os' || key === 'operating_system') spec.os = value;
        else if (key === 'target') {
          // target=x86_64: (a range) or a list is a question about the target family: Spack's.
          if (/[:,]/.test(value)) unevaluated.push(token);
          else spec.target = value;
        } else spec.variants[key] = value.split(',');
        break;
      }
      case 'edge':
      case 'compiler-attr':
      case 'file':
      case 'propagated-bool':
      case 'propagated-kv':
        // ^[virtuals=mpi] openmpi and %[virtuals=c] gcc: an edge to the package named next.
        if (kind === 'edge' || kind === 'compiler_attr') dependencyNext = true;
        else if (kind !== 'file') start();
        unevaluated.push(token.trim());
        break;
    }
  }
  if (dependencyNext) throw syntaxError(input, input.length, 'a "^" must be followed by a package');
  const first = roots[0];
  if (!first?.name && !first?.hash) {
    throw new PaksError('usage', `"${input}" does not start with a package name.`, { hint: 'For example: paks install zlib@1.3.1+shared' });
  }
  if (roots.length > 1) unevaluated.push(`${roots.length} packages in one argument`);
  return { text: input, spec: first, unevaluated };
}

function syntaxError(input: string, at: number, why: string): PaksError {
  return new PaksError('usage', `"${input}" is not a valid Spack spec: ${why} at character ${at + 1}.`, {
    hint: 'Spack specs read name@version +variant ~variant key=value %compiler ^dependency, e.g. zlib@1.3.1+shared %gcc',
  });
}

/** The spec written back in Spack's order (for messages). */
export function formatAbstractSpec(spec: AbstractSpec): string {
  let out = spec.namespace ? `${spec.namespace}.` : '';
  out += spec.name ?? '';
  if (spec.versions) out += `@${formatVersionList(spec.versions)}`;
  if (spec.hash) out += `/${spec.hash}`;
  for (const [key, value] of Object.entries(spec.variants)) out += typeof value === 'boolean' ? `${value ? '+' : '~'}${key}` : ` ${key}=${value.join(',')}`;
  if (spec.compiler) out += ` %${spec.compiler.name}${spec.compiler.versions ? `@${formatVersionList(spec.compiler.versions)}` : ''}`;
  if (spec.platform) out += ` platform=${spec.platform}`;
  if (spec.os) out += ` os=${spec.os}`;
  if (spec.target) out += ` target=${spec.target}`;
  for (const dep of spec.dependencies) out += ` ^${formatAbstractSpec(dep)}`;
  return out.trim();
}
