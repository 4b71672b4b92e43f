import type { InstalledSpec } from '../spack/installed.js';

/** `spack find`-style groups: `-- linux-debian12-icelake / gcc@12.2.0 ---`, then name@version. */
export function renderInstalledGroups(specs: readonly InstalledSpec[], options: { long?: boolean; paths?: boolean } = {}): string[] {
  const groups = new Map<string, InstalledSpec[]>();
  for (const spec of specs) {
    // The build tree's groups say so (paks build installs there, apart from Spack's own tree).
    const key = `${spec.arch} / ${spec.compiler}${spec.buildTree ? ' (build tree)' : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), spec]);
  }
  const lines: string[] = [];
  for (const key of [...groups.keys()].sort()) {
    if (lines.length) lines.push('');
    lines.push(`-- ${key} ${'-'.repeat(Math.max(2, 64 - key.length))}`);
    const members = groups.get(key)!.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version, undefined, { numeric: true }));
    const width = Math.max(...members.map((s) => `${s.name}@${s.version}`.length));
    for (const spec of members) {
      const id = `${spec.name}@${spec.version}`;
      const hash = options.long ? `${spec.hash.slice(0, 7)} ` : '';
      lines.push(options.paths ? `${hash}${id.padEnd(width)}  ${spec.prefix ?? ''}` : `${hash}${id}`);
    }
  }
  return lines;
}
