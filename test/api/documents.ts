/** Shared by the API tests: documents from hand-made recipes and binaries, and the schema validators. */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Binary, PackageBinaries } from '../../src/api/binaries.js';
import { buildDocuments, type ApiDocuments } from '../../src/api/documents.js';
import type { Recipe } from '../../src/api/recipes.js';
import { apiSchemas } from '../../src/api/schemas.js';

const ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);
export const validate = {
  packages: ajv.compile(apiSchemas.packages),
  package: ajv.compile(apiSchemas.package),
  version: ajv.compile(apiSchemas.version),
};

export function schemaErrors(kind: keyof typeof validate, value: unknown): string {
  const check = validate[kind];
  return check(value) ? '' : ajv.errorsText(check.errors);
}

export function recipe(name: string, versions: string[], extra: Partial<Recipe> = {}): Recipe {
  return {
    name,
    description: `The ${name} package.`,
    homepage: `https://example.com/${name}`,
    licenses: ['MIT'],
    versions,
    ...(versions[0] ? { latestVersion: versions[0] } : {}),
    maintainers: [],
    dependencies: { build: [], link: [], run: [], test: [] },
    variants: [],
    standaloneTests: [],
    ...extra,
  };
}

export function binary(registry: string, name: string, signed: boolean, n = 1): Binary {
  const digest = `sha256:${String(n).padStart(64, '0')}`;
  return {
    platform: { os: 'linux', architecture: 'amd64' },
    spackOs: 'debian12',
    target: 'icelake',
    compiler: 'gcc@12.2.0',
    hash: 'abcdefghijklmnopqrstuvwxyz234567',
    tag: '1.0.0-abcdefg',
    reference: `${registry}/${name}@${digest}`,
    digest,
    size: 1234,
    created: '2026-01-02T03:04:05Z',
    signed,
    ...(signed ? { signer: { keyId: '0123456789ABCDEF', fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567', verified: true } } : {}),
    sbom: {},
  };
}

export function sampleDocuments(count = 3, registry = 'registry.example/org'): ApiDocuments {
  const recipes: Recipe[] = [];
  const binaries = new Map<string, PackageBinaries>();
  for (let i = 0; i < count; i++) {
    const name = i === 0 ? 'zlib' : `pkg-${i}`;
    recipes.push(recipe(name, ['1.0.0', '0.9.0']));
    binaries.set(name, { repository: `${registry}/${name}`, versions: new Map([['1.0.0', [binary(registry, name, i % 2 === 0, i + 1)]]]) });
  }
  return buildDocuments(recipes, binaries, { registry, generatedAt: new Date('2026-01-02T03:04:05Z') });
}
