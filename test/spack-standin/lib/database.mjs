// Spack's build-cache index (`database.installs`, as index.json / index.spack / the v3 index
// blob hold it): written from the cached root specs, read back into linked spec nodes.
import { Node } from './spec.mjs';

/** `installs` for these cached roots and their dependencies, dependencies first, with reference counts. */
export function databaseInstalls(roots) {
  const installs = {};
  const inCache = new Set(roots.map((n) => n.hash));
  const add = (n) => {
    if (installs[n.hash]) return;
    for (const e of n.sortedDeps()) add(e.node);
    installs[n.hash] = { spec: n.dict, ref_count: 0, in_buildcache: inCache.has(n.hash) };
    for (const e of n.deps) installs[e.node.hash].ref_count++;
  };
  for (const n of roots) add(n);
  return installs;
}

/** The specs of an index's `installs`, linked to their dependencies: [{node, inBuildcache}]. */
export function nodesOfDatabase(installs) {
  const map = new Map();
  for (const [h, rec] of Object.entries(installs)) map.set(h, new Node(rec.spec, []));
  for (const n of map.values()) {
    for (const d of n.dict.dependencies ?? []) {
      const c = map.get(d.hash);
      if (c) n.deps.push({ node: c, deptypes: d.parameters?.deptypes ?? [], virtuals: d.parameters?.virtuals ?? [] });
    }
  }
  return [...map.values()].map((n) => ({ node: n, inBuildcache: installs[n.hash].in_buildcache }));
}
