/**
 * Validators for the official OCI image-spec schemas (copies in test/fixtures/schemas/oci).
 * They are draft-04 documents that name themselves with `id`; each is given a `$id` from its
 * file name so their relative `$ref`s ("defs-descriptor.json#/...") resolve under ajv 8.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';

const Ajv = AjvModule.default;
const dir = fileURLToPath(new URL('../fixtures/schemas/oci/', import.meta.url));
const BASE = 'https://paks.invalid/oci/';

function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'id' && k !== '$schema').map(([k, v]) => [k, withoutIds(v)]));
  }
  return value;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const schema = withoutIds(JSON.parse(readFileSync(`${dir}${file}`, 'utf8'))) as Record<string, unknown>;
  ajv.addSchema({ ...schema, $id: `${BASE}${file}` });
}

export const validateOciManifest = ajv.getSchema(`${BASE}image-manifest-schema.json`)!;
export const validateOciIndex = ajv.getSchema(`${BASE}image-index-schema.json`)!;
