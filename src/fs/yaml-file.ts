/**
 * Reading a YAML file a person wrote (settings.yml, paks.yaml, repo.yaml): whatever the
 * parser refuses — a syntax error, an alias without an anchor, an alias bomb (aliases that
 * expand past the parser's maxAliasCount) — is one sentence naming the file and the line.
 */
import { isAlias, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { PaksError, type ErrorKind } from '../errors.js';

export interface ParsedYaml {
  doc: Document;
  /** The document as plain data (null for an empty file). */
  data: unknown;
  lineCounter: LineCounter;
}

export interface YamlFileOptions {
  /** The kind of the error (exit 2 either way): 'settings' for Paks' own files. */
  kind?: Extract<ErrorKind, 'settings' | 'usage'>;
  hint?: string;
}

export function parseYamlFile(text: string, file: string, options: YamlFileOptions = {}): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const refuse = (offset: number | undefined, reason: string): never => {
    const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
    throw new PaksError(options.kind ?? 'settings', `${file} is not valid YAML${line ? ` (line ${line})` : ''}: ${reason}.`, options.hint ? { hint: options.hint } : {});
  };
  const problem = doc.errors[0];
  if (problem) refuse(problem.pos[0], problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, ''));
  try {
    return { doc, data: doc.toJS(), lineCounter };
  } catch (error) {
    // toJS throws (a ReferenceError) for aliases it will not resolve; name the alias's line.
    const message = (error as Error).message;
    const unresolved = /^Unresolved alias.*: (.*)$/.exec(message)?.[1];
    const alias = firstAlias(doc, unresolved);
    if (unresolved !== undefined) return refuse(alias?.offset, `the alias *${unresolved} has no anchor &${unresolved} before it`);
    if (/alias count/i.test(message)) return refuse(alias?.offset, `its aliases (from *${alias?.source ?? '?'}) expand into too much data, as an alias bomb does, so Paks does not read it`);
    return refuse(alias?.offset, message.replace(/\.$/, ''));
  }
}

function firstAlias(doc: Document, source?: string): { offset: number; source: string } | undefined {
  let found: { offset: number; source: string } | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (!isAlias(node) || (source !== undefined && node.source !== source)) return undefined;
      found = { offset: node.range?.[0] ?? 0, source: node.source };
      return visit.BREAK;
    },
  });
  return found;
}
