/** Validators for the official CycloneDX 1.6 and SPDX 2.3 schemas (copies in test/fixtures/schemas). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv and ajv-formats are CommonJS; under NodeNext their class/function is the `default` property.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const schema = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/schemas/${name}`, import.meta.url)), 'utf8'));

function makeAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Formats CycloneDX uses that ajv-formats lacks; checked loosely (no spaces, not empty).
  ajv.addFormat('iri-reference', /^\S+$/u);
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  return ajv;
}

const cdxAjv = makeAjv();
cdxAjv.addSchema(schema('spdx.schema.json'));
cdxAjv.addSchema(schema('jsf-0.82.schema.json'));
export const validateCycloneDx = cdxAjv.compile(schema('bom-1.6.schema.json'));

export const validateSpdx = makeAjv().compile(schema('spdx-2.3.schema.json'));

export function schemaErrors(validate: { errors?: unknown }): string {
  return JSON.stringify(validate.errors, null, 2);
}
