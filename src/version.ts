import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version of this Paks, from its package.json. */
export function paksVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
