// The hand checks that read registry documents without zod (shape-check.ts) against the schemas
// of schemas.ts: they take recorded documents as the schemas do, and never accept what a schema
// refuses nor read a value the schema would read otherwise.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { ZodType } from 'zod';
import { isErrorBody, isImageIndex, isImageManifest, isTagList, isTokenResponse } from '../../src/oci/shape-check.js';
import { errorBodySchema, indexSchema, manifestSchema, tagListSchema, tokenResponseSchema } from '../../src/oci/schemas.js';

// Spack's own image manifests as Spack 0.23 pushed them (test/fixtures/spack-oci/recorded.json).
const recorded = JSON.parse(readFileSync(new URL('../fixtures/spack-oci/recorded.json', import.meta.url), 'utf8')) as Record<string, string>;
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const paksManifest = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  artifactType: 'application/vnd.paks.buildcache.v1',
  config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digest(1), size: 2, data: 'e30=' },
  layers: [
    { mediaType: 'application/vnd.spack.tarball', digest: digest(2), size: 1234, annotations: { 'org.opencontainers.image.title': 'build_cache/a.spack' } },
    { mediaType: 'application/json', digest: digest(3), size: 0, urls: ['https://example.com/x'] },
  ],
  subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(4), size: 10, artifactType: 'x/y' },
  annotations: { 'org.opencontainers.image.created': '2026-12-06T00:00:00Z' },
};
const paksIndex = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(5), size: 99, platform: { architecture: 'amd64', os: 'linux', variant: 'v3', features: ['avx2'], 'os.version': '12', 'os.features': [] } }],
  annotations: {},
};

const samples: Array<[string, unknown, (value: unknown) => boolean, ZodType]> = [
  ['a Paks artifact manifest', paksManifest, isImageManifest, manifestSchema],
  ...Object.entries(recorded)
    .filter(([key]) => key.startsWith('manifest_'))
    .map(([key, text]): [string, unknown, (value: unknown) => boolean, ZodType] => [`Spack 0.23's ${key}`, JSON.parse(text), isImageManifest, manifestSchema]),
  ['a platform index', paksIndex, isImageIndex, indexSchema],
  ['a tag list', { name: 'acme/zlib', tags: ['1.3', 'latest'] }, isTagList, tagListSchema],
  ['an empty tag list', { name: 'acme/zlib', tags: null }, isTagList, tagListSchema],
  ['an error body', { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { tag: 'x' } }] }, isErrorBody, errorBodySchema],
  ['a token', { token: 'abc', access_token: 'abc', expires_in: 300, issued_at: '2026-12-06T00:00:00Z' }, isTokenResponse, tokenResponseSchema],
];

test('registry documents as Paks, Spack and registries write them read as the schemas read them, without the schemas', () => {
  for (const [name, sample, check, schema] of samples) {
    assert.ok(check(structuredClone(sample)), `${name}: the hand check takes it`);
    assert.deepEqual(schema.parse(structuredClone(sample)), sample, `${name}: the schema reads it as it is`);
  }
});

function paths(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [at];
  return [at, ...Object.entries(value).flatMap(([key, child]) => paths(child, [...at, Array.isArray(value) ? Number(key) : key]))];
}

function replaced(root: unknown, path: Array<string | number>, value: unknown, key?: string): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  if (path.length === 0) return value === undefined ? copy : value;
  let parent = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (key !== undefined) (parent[last] as Record<string, unknown>)[key] = value;
  else if (value !== undefined) parent[last] = value;
  else if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return copy;
}

test('the hand checks never take what the schemas refuse, nor read a value otherwise (every field mutated)', () => {
  const values: unknown[] = [undefined, null, 0, -1, 1.5, 2, 2 ** 60, '', 'x', 'sha256:zz', 'a/b', [], ['x'], [1], {}, { a: 'b' }, { a: 1 }, true];
  let taken = 0;
  let refused = 0;
  for (const [name, sample, check, schema] of samples) {
    for (const path of paths(sample)) {
      const mutations = [...values.map((value) => replaced(sample, path, value))];
      // An unknown key, which zod drops: the check leaves such documents to the schema.
      const at = path.reduce<unknown>((node, step) => (node as Record<string | number, unknown>)[step], sample);
      if (typeof at === 'object' && at !== null && !Array.isArray(at)) mutations.push(replaced(sample, path, 'extra', 'unknownKey'), replaced(sample, path, 1, '__proto__'));
      for (const mutated of mutations) {
        const bySchema = schema.safeParse(structuredClone(mutated));
        if (!check(structuredClone(mutated))) {
          refused++;
          continue;
        }
        taken++;
        assert.ok(bySchema.success, `${name} at ${path.join('.')}: the check took what the schema refuses: ${JSON.stringify(mutated)}`);
        assert.deepEqual(bySchema.data, mutated, `${name} at ${path.join('.')}: the schema reads it otherwise`);
      }
    }
  }
  assert.ok(taken > 50 && refused > 500, `taken ${taken}, refused ${refused}`);
});
