/**
 * Checks requests and responses against GitHub's official OpenAPI description (the subset in
 * test/fixtures/github/openapi-subset.json, cut from @octokit/openapi by extract.mjs there).
 *
 * Strict on purpose: every object schema that lists properties is closed
 * (`additionalProperties: false`), so neither Paks nor the fake can use a field GitHub does
 * not document, and unknown query parameters are refused.
 */
import { readFileSync } from 'node:fs';
import AjvModule, { type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const SUBSET = new URL('../../fixtures/github/openapi-subset.json', import.meta.url);
const BASE = 'https://paks.invalid/github-openapi';

type Json = Record<string, unknown>;

/** A validator compiled on first use: each test process pays only for the operations it meets. */
export type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

function lazy(ajv: InstanceType<typeof Ajv>, schema: Json): Validator {
  let compiled: ReturnType<typeof ajv.compile> | undefined;
  const validate: Validator = (data: unknown) => {
    compiled ??= ajv.compile(schema);
    const ok = compiled(data) as boolean;
    validate.errors = compiled.errors;
    return ok;
  };
  return validate;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Json;
}

export interface Operation {
  id: string;
  method: string;
  /** e.g. /repos/{owner}/{repo}/releases/{release_id} */
  template: string;
  /** Operations GitHub serves from its upload host (the `servers` of the operation). */
  upload: boolean;
  match(path: string): Record<string, string> | undefined;
  literalSegments: number;
  validatePath: Validator;
  validateQuery: Validator;
  body: { required: boolean; types: Map<string, Validator>; anyType: boolean } | undefined;
  responses: Map<string, Validator | null>;
}

/** A request or response that breaks GitHub's description: the test must fail with this. */
export class SchemaViolation extends Error {
  constructor(
    readonly operation: string,
    readonly where: string,
    readonly details: string[],
  ) {
    super(`GitHub OpenAPI violation in ${where} of ${operation}: ${details.join('; ')}`);
    this.name = 'SchemaViolation';
  }
}

function describe(errors: ErrorObject[] | null | undefined, root: string): string[] {
  return (errors ?? []).slice(0, 8).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
    return `${root}${e.instancePath || ''} ${e.message ?? e.keyword}${extra}`;
  });
}

/** Deep copy with local $refs pointed at the shared components and object schemas closed. */
function prepare(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prepare);
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && typeof v === 'string' && v.startsWith('#/')) out[key] = `${BASE}${v}`;
    else out[key] = prepare(v);
  }
  if (out.properties && typeof out.properties === 'object' && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function resolve(doc: Json, value: Json): Json {
  const ref = value.$ref;
  if (typeof ref !== 'string') return value;
  let target: unknown = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) target = (target as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return resolve(doc, target as Json);
}

function load(): Operation[] {
  const doc = JSON.parse(readFileSync(SUBSET, 'utf8')) as Json;
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false, validateSchema: false });
  addFormats(ajv);
  for (const format of ['repo.nwo', 'int64', 'binary', 'timestamp']) ajv.addFormat(format, true);
  ajv.addSchema({ $id: BASE, components: prepare(doc.components) });
  const params = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array' });
  addFormats(params);

  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, raw] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const op = raw as Json;
      const parameters = [...((item.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])].map((p) => resolve(doc, p) as unknown as Parameter);
      const objectOf = (where: Parameter['in']) => {
        const list = parameters.filter((p) => p.in === where);
        return {
          type: 'object',
          properties: Object.fromEntries(list.map((p) => [p.name, p.schema])),
          required: list.filter((p) => p.required).map((p) => p.name),
          additionalProperties: false,
        };
      };
      const names: string[] = [];
      const pattern = template.replace(/\{([^}]+)\}|[^{]+/g, (whole, name: string | undefined) => {
        if (name) {
          names.push(name);
          return '([^/]+)';
        }
        return whole.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      });
      const regex = new RegExp(`^${pattern}$`);
      let body: Operation['body'];
      const requestBody = op.requestBody ? resolve(doc, op.requestBody as Json) : undefined;
      if (requestBody) {
        const types = new Map<string, Validator>();
        let anyType = false;
        for (const [type, media] of Object.entries(requestBody.content as Record<string, Json>)) {
          const schema = media.schema as Json;
          // Asset uploads: GitHub's docs ask for the asset's own media type in Content-Type.
          if (schema.format === 'binary') anyType = true;
          else types.set(type, lazy(ajv, prepare(schema) as Json));
        }
        body = { required: requestBody.required === true, types, anyType };
      }
      const responses = new Map<string, Validator | null>();
      for (const [status, rawResponse] of Object.entries(op.responses as Record<string, Json>)) {
        const response = resolve(doc, rawResponse);
        const json = (response.content as Record<string, Json> | undefined)?.['application/json'];
        responses.set(status, json?.schema ? lazy(ajv, prepare(json.schema) as Json) : null);
      }
      operations.push({
        id: String(op.operationId),
        method: method.toUpperCase(),
        template,
        upload: Array.isArray(op.servers) && op.servers.some((s: Json) => String(s.url).includes('uploads.')),
        literalSegments: template.split('/').filter((s) => s && !s.startsWith('{')).length,
        match(path) {
          const m = regex.exec(path);
          if (!m) return undefined;
          try {
            return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
          } catch {
            return undefined;
          }
        },
        validatePath: lazy(params, objectOf('path')),
        validateQuery: lazy(params, objectOf('query')),
        body,
        responses,
      });
    }
  }
  operations.sort((a, b) => b.literalSegments - a.literalSegments);
  return operations;
}

let cache: { operations: Operation[]; basicError: Validator } | undefined;
function spec() {
  if (!cache) {
    const operations = load();
    const doc = JSON.parse(readFileSync(SUBSET, 'utf8')) as { components: { schemas: Json } };
    const ajv = new Ajv({ strict: false, allErrors: true });
    const basicError = lazy(ajv, prepare(doc.components.schemas['basic-error']) as Json);
    cache = { operations, basicError };
  }
  return cache;
}

export function operations(): Operation[] {
  return spec().operations;
}

/** The documented operation for a method and path (API paths, without any base prefix). */
export function findOperation(method: string, path: string, upload: boolean): { operation: Operation; params: Record<string, string> } | undefined {
  for (const operation of spec().operations) {
    if (operation.method !== method.toUpperCase() || operation.upload !== upload) continue;
    const params = operation.match(path);
    if (params) return { operation, params };
  }
  return undefined;
}

export interface CheckedRequest {
  /** Path parameters, coerced to their documented types. */
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

/** Validates a request; throws SchemaViolation naming the operation and the offending field. */
export function checkRequest(operation: Operation, params: Record<string, string>, search: URLSearchParams, contentType: string | undefined, raw: Buffer): CheckedRequest {
  const path: Record<string, unknown> = { ...params };
  if (!operation.validatePath(path)) throw new SchemaViolation(operation.id, 'the request path', describe(operation.validatePath.errors, 'path'));
  const query: Record<string, unknown> = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    query[key] = values.length > 1 ? values : values[0];
  }
  if (!operation.validateQuery(query)) throw new SchemaViolation(operation.id, 'the request query', describe(operation.validateQuery.errors, 'query'));
  let body: unknown = undefined;
  if (!operation.body) {
    if (raw.length > 0) throw new SchemaViolation(operation.id, 'the request body', ['body this operation does not take']);
    return { params: path, query, body };
  }
  if (raw.length === 0) {
    if (operation.body.required) throw new SchemaViolation(operation.id, 'the request body', ['body is required']);
    return { params: path, query, body };
  }
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (operation.body.anyType) {
    if (!type) throw new SchemaViolation(operation.id, 'the request headers', ['Content-Type is required']);
    return { params: path, query, body: raw };
  }
  const validate = operation.body.types.get(type);
  if (!validate) throw new SchemaViolation(operation.id, 'the request body', [`content type "${type}" is not one of ${[...operation.body.types.keys()].join(', ')}`]);
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SchemaViolation(operation.id, 'the request body', ['body is not JSON']);
  }
  if (!validate(body)) throw new SchemaViolation(operation.id, 'the request body', describe(validate.errors, 'body'));
  return { params: path, query, body };
}

/**
 * Validates a response. A status the operation documents is checked against its schema; an
 * error status it does not list (GitHub sends 401/403/429/5xx on any operation) is checked
 * against GitHub's `basic-error`. A success status it does not document is a violation.
 */
export function checkResponse(operation: Operation, status: number, body: unknown): void {
  const key = String(status);
  const where = `the ${status} response`;
  if (operation.responses.has(key)) {
    const validate = operation.responses.get(key);
    if (validate === null) {
      if (body !== undefined) throw new SchemaViolation(operation.id, where, ['a body where GitHub documents none']);
      return;
    }
    if (!validate!(body)) throw new SchemaViolation(operation.id, where, describe(validate!.errors, 'body'));
    return;
  }
  if (status < 400) throw new SchemaViolation(operation.id, where, [`status ${status} is not documented (documented: ${[...operation.responses.keys()].join(', ')})`]);
  const { basicError } = spec();
  if (!basicError(body)) throw new SchemaViolation(operation.id, where, describe(basicError.errors, 'body'));
}
