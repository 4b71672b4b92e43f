import type { PackageUpdate } from './update.js';

/** The table `paks update` prints: package, current, newest upstream, source, action. */
export function renderUpdateTable(packages: readonly PackageUpdate[]): string[] {
  const rows = [
    ['PACKAGE', 'CURRENT', 'UPSTREAM', 'SOURCE', 'ACTION'],
    ...packages.map((p) => [p.package, p.current ?? '-', p.newestUpstream ?? '-', p.source, actionText(p)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function actionText(p: PackageUpdate): string {
  const version = p.update?.version.text;
  switch (p.action) {
    case 'update available':
      return `${version} available (--apply adds it)`;
    case 'added':
      return `added ${version}`;
    case 'pull request':
      return `${p.detail ?? 'pull request'}`;
    case 'skipped':
      return `skipped: ${p.detail ?? ''}`;
    case 'failed':
      return `failed: ${p.detail ?? ''}`;
    default:
      return p.action;
  }
}

/** --json: plain data (versions as text). */
export function updateJson(packages: readonly PackageUpdate[]): unknown {
  return packages.map((p) => ({
    package: p.package,
    current: p.current ?? null,
    newest_upstream: p.newestUpstream ?? null,
    source: p.source,
    action: p.action,
    version: p.update?.version.text ?? null,
    link: p.update?.link ?? null,
    detail: p.detail ?? null,
    sha256: p.added?.sha256 ?? null,
    pull_request: p.pullRequest ?? null,
  }));
}
