import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version of this Paks, from its package.json (one folder up from dist/, two from the bundle in dist/bin/). */
export function paksVersion(): string {
  cached ??= readPackageVersion(new URL('../package.json', import.meta.url)) ?? readPackageVersion(new URL('../../package.json', import.meta.url)) ?? '0.0.0';
  return cached;
}

function readPackageVersion(url: URL): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    return pkg.name === 'paks' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
