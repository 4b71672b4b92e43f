/** The `repos:` section of a configuration scope, as each Spack reads it. */
import { basename } from 'node:path';
import type { SpackDialect } from './index.js';

/**
 * 0.23: a list of paths. 1.x: a dict `name: path` (a list is the old form); Paks names its
 * entries `paks-<folder>` so they never replace one of the user's by name.
 */
export function reposSection(dialect: SpackDialect, repos: readonly string[]): string[] | Record<string, string> {
  if (dialect.series === '0.x') return [...repos];
  const section: Record<string, string> = {};
  repos.forEach((path, i) => {
    let name = `paks-${basename(path).replace(/[^A-Za-z0-9_-]/g, '_') || i}`;
    while (name in section) name += `-${i}`;
    section[name] = path;
  });
  return section;
}

/**
 * The namespaces `spack repo list` names: `NAMESPACE  PATH` (0.23, transcript 05) or
 * `[+] NAMESPACE  vAPI  PATH` (1.1, transcript 05).
 */
export function parseRepoNamespaces(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.replace(/^\s*\[.\]\s+/, '').trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}
