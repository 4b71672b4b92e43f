/** Registry token scopes (`repository:NAME:pull,push`) and their merging. */
export type Action = 'pull' | 'push' | 'delete' | '*';

export function repositoryScope(repository: string, actions: readonly Action[]): string {
  return `repository:${repository}:${[...new Set(actions)].sort().join(',')}`;
}

/**
 * Merges scopes, joining the actions of the same resource, so one token answers both what
 * the registry's challenge asked for and what this operation needs. Output is sorted so
 * equal sets give equal cache keys.
 */
export function mergeScopes(...lists: readonly (readonly string[])[]): string[] {
  const byResource = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const scope of lists.flat()) {
    const lastColon = scope.lastIndexOf(':');
    const firstColon = scope.indexOf(':');
    if (firstColon < 0 || lastColon === firstColon) {
      opaque.add(scope);
      continue;
    }
    const resource = scope.slice(0, lastColon);
    const actions = byResource.get(resource) ?? new Set<string>();
    for (const action of scope.slice(lastColon + 1).split(',')) if (action) actions.add(action);
    byResource.set(resource, actions);
  }
  const merged = [...byResource].map(([resource, actions]) =>
    actions.has('*') ? `${resource}:*` : `${resource}:${[...actions].sort().join(',')}`,
  );
  return [...merged, ...opaque].sort();
}

/** True when every scope only asks to read (an anonymous retry may then succeed). */
export function isPullOnly(scopes: readonly string[]): boolean {
  return scopes.every((scope) => {
    const actions = scope.slice(scope.lastIndexOf(':') + 1).split(',');
    return actions.every((action) => action === 'pull');
  });
}
