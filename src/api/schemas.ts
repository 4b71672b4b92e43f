/**
 * JSON Schemas (draft 2020-12) of the v1 documents, published beside them under
 * `api/v1/schema/`. A change that breaks a reader is a new version (v2), not an edit here.
 */
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
const text = { type: 'string' };
const name = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9._+-]*$' };
const digest = { type: 'string', pattern: '^sha256:[a-f0-9]{64}$' };
const dateTime = { type: 'string', format: 'date-time' };
const link = { type: 'string', format: 'uri-reference' };
const strings = { type: 'array', items: text };

const blob = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'registry_url', 'digest', 'size'],
  properties: {
    url: { type: 'string', format: 'uri-reference', description: 'the copy published with the catalogue, else the registry blob' },
    registry_url: { type: 'string', format: 'uri' },
    digest,
    size: { type: 'integer', minimum: 0 },
  },
};

const binary = {
  type: 'object',
  additionalProperties: false,
  required: ['platform', 'platform_label', 'recipe_url', 'os', 'architecture', 'variant', 'spack_os', 'target', 'compiler', 'hash', 'tag', 'reference', 'digest', 'size', 'created', 'signed', 'signer', 'sbom'],
  properties: {
    platform: { type: 'string', description: 'os/architecture[/variant], as OCI platforms', examples: ['linux/amd64'] },
    platform_label: { type: 'string', description: 'the platform as a person reads it', examples: ['Linux x86_64 (x86_64_v3+, glibc ≥ 2.28)'] },
    recipe_url: { ...nullable(link), description: 'the recipe at the commit that built this binary, when known' },
    os: text,
    architecture: text,
    variant: nullable(text),
    spack_os: nullable(text),
    target: nullable(text),
    compiler: nullable(text),
    hash: nullable({ type: 'string', pattern: '^[a-z2-7]{32}$' }),
    tag: nullable(text),
    reference: { type: 'string', description: 'REGISTRY/NAME@DIGEST of this build' },
    digest,
    size: { type: 'integer', minimum: 0, description: 'bytes a pull downloads' },
    created: nullable(dateTime),
    signed: { type: 'boolean' },
    signer: nullable({
      type: 'object',
      additionalProperties: false,
      required: ['key_id', 'fingerprint', 'verified'],
      properties: {
        key_id: text,
        fingerprint: nullable({ type: 'string', pattern: '^[0-9A-F]{40}$' }),
        verified: { type: 'boolean', description: 'whether the key published in the artifact verifies the signature (not whether you trust it)' },
      },
    }),
    sbom: {
      type: 'object',
      additionalProperties: false,
      required: ['cyclonedx', 'spdx'],
      properties: { cyclonedx: nullable(blob), spdx: nullable(blob) },
    },
  },
};

const publisherKey = nullable({
  type: 'object',
  additionalProperties: false,
  required: ['url', 'fingerprint'],
  properties: { url: link, fingerprint: { type: 'string', pattern: '^[0-9A-F]{40}$' } },
  description: 'the publisher key published with the catalogue (trust it with paks key trust URL --fingerprint FINGERPRINT)',
});

const versionCore = {
  version: name,
  in_recipe: { type: 'boolean' },
  latest: { type: 'boolean' },
  install: nullable(text),
  binaries: { type: 'array', items: { $ref: '#/$defs/binary' } },
  release_url: nullable(link),
  url: link,
};

export const versionSchema = {
  $schema: DRAFT,
  $id: 'urn:paks:api:v1:version',
  title: 'Paks API v1: one version of a package',
  type: 'object',
  additionalProperties: false,
  required: ['api_version', 'name', 'version', 'in_recipe', 'latest', 'repository', 'install', 'binaries', 'url'],
  properties: { api_version: { const: 'v1' }, name, repository: text, ...versionCore },
  $defs: { binary, blob },
} as const;

export const packageSchema = {
  $schema: DRAFT,
  $id: 'urn:paks:api:v1:package',
  title: 'Paks API v1: one package',
  type: 'object',
  additionalProperties: false,
  required: ['api_version', 'generated_at', 'name', 'description', 'homepage', 'licenses', 'maintainers', 'latest_version', 'repository', 'dependencies', 'variants', 'tests', 'install', 'publisher_key', 'recipe_url', 'versions', 'url', 'html_url'],
  properties: {
    api_version: { const: 'v1' },
    generated_at: dateTime,
    name,
    description: nullable(text),
    homepage: nullable(text),
    licenses: strings,
    maintainers: strings,
    latest_version: nullable(text),
    repository: text,
    dependencies: {
      type: 'object',
      additionalProperties: false,
      required: ['build', 'link', 'run', 'test'],
      properties: { build: strings, link: strings, run: strings, test: strings },
    },
    variants: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'default', 'values', 'description'],
        properties: { name: text, default: text, values: text, description: nullable(text) },
      },
    },
    tests: { type: 'object', additionalProperties: false, required: ['standalone'], properties: { standalone: strings } },
    install: {
      type: 'object',
      additionalProperties: false,
      required: ['binary', 'source', 'trust', 'first_time'],
      properties: { binary: nullable(text), source: text, trust: nullable(text), first_time: { ...nullable(text), description: 'trust the publisher key and install, in one line' } },
    },
    publisher_key: publisherKey,
    recipe_url: nullable(link),
    versions: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: Object.keys(versionCore), properties: versionCore },
    },
    url: link,
    html_url: link,
  },
  $defs: { binary, blob },
} as const;

export const packagesSchema = {
  $schema: DRAFT,
  $id: 'urn:paks:api:v1:packages',
  title: 'Paks API v1: every package',
  type: 'object',
  additionalProperties: false,
  required: ['api_version', 'generated_at', 'registry', 'count', 'publisher_key', 'packages'],
  properties: {
    api_version: { const: 'v1' },
    generated_at: dateTime,
    registry: text,
    count: { type: 'integer', minimum: 0 },
    publisher_key: publisherKey,
    packages: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'description', 'latest_version', 'homepage', 'licenses', 'platforms', 'platform_labels', 'signed', 'updated', 'url', 'html_url'],
        properties: {
          name,
          description: nullable(text),
          latest_version: nullable(text),
          homepage: nullable(text),
          licenses: strings,
          platforms: strings,
          platform_labels: strings,
          signed: { type: 'boolean', description: 'true when every binary is signed' },
          updated: nullable(dateTime),
          url: link,
          html_url: link,
        },
      },
    },
  },
} as const;

/** File name under api/v1/schema/ → schema. */
export const apiSchemas = { packages: packagesSchema, package: packageSchema, version: versionSchema } as const;
