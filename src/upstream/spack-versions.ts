/**
 * The versions Spack itself sees in each package of a repository, from one
 * `spack list --format version_json -r NAMESPACE` (0.23 transcript 96): authoritative where
 * a recipe computes its versions (loops, helpers) that reading the text would miss.
 */
import * as z from 'zod';
import type { SpackRunner } from '../spack/runner.js';

const listing = z.array(z.object({ name: z.string(), versions: z.array(z.string()) }).passthrough());

export async function spackPackageVersions(spack: SpackRunner, namespace: string): Promise<Map<string, string[]>> {
  const result = await spack.run(['list', '--format', 'version_json', '-r', namespace], { doing: `list the packages of the ${namespace} repository` });
  return parseVersionJson(result.stdout);
}

export function parseVersionJson(stdout: string): Map<string, string[]> {
  const entries = listing.parse(JSON.parse(stdout));
  return new Map(entries.map((entry) => [entry.name, entry.versions]));
}
