/**
 * Registry documents checked by hand, without zod: exactly what the schemas of schemas.ts
 * accept, for documents as Paks and registries write them. Loading zod costs a short command
 * such as an unchanged `paks push` ~15-25 ms of its ~200 (bench/oci.ts). A document with a
 * key the schema does not know (which zod would drop), or anything else the check is not sure
 * of, goes to the schema, which gives the same value or the one clear error.
 * test/oci/shape-check.test.ts holds the two together: the check never accepts what the
 * schema refuses, and what it accepts is the schema's value.
 */
import { DIGEST_PATTERN } from './digest.js';
import { MEDIA_TYPE_PATTERN } from './media-types.js';
import type { ImageIndex, ImageManifest } from './schemas.js';

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isStrings = (value: unknown): boolean => Array.isArray(value) && value.every(isString);

/** Only these keys, each passing its check when present, and none that JSON.parse would treat oddly. */
function fields(value: unknown, checks: Record<string, (value: unknown) => boolean>, required: readonly string[]): boolean {
  if (!isObject(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(checks, key) || key === '__proto__') return false;
    if (!checks[key]!(value[key])) return false;
  }
  return required.every((key) => Object.hasOwn(value, key));
}

const isAnnotations = (value: unknown): boolean =>
  isObject(value) && Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).every((key) => key !== '__proto__' && isString(value[key]));

const isPlatform = (value: unknown): boolean =>
  fields(
    value,
    { architecture: isString, os: isString, 'os.version': isString, 'os.features': isStrings, variant: isString, features: isStrings },
    ['architecture', 'os'],
  );

const isDescriptor = (value: unknown): boolean =>
  fields(
    value,
    {
      mediaType: (v) => isString(v) && MEDIA_TYPE_PATTERN.test(v),
      digest: (v) => isString(v) && DIGEST_PATTERN.test(v),
      size: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
      urls: isStrings,
      annotations: isAnnotations,
      data: isString,
      artifactType: isString,
      platform: isPlatform,
    },
    ['mediaType', 'digest', 'size'],
  );

const isDescriptors = (value: unknown): boolean => Array.isArray(value) && value.every(isDescriptor);

/** An image manifest manifestSchema takes as it is. */
export function isImageManifest(value: unknown): value is ImageManifest {
  return fields(
    value,
    { schemaVersion: (v) => v === 2, mediaType: isString, artifactType: isString, config: isDescriptor, layers: isDescriptors, subject: isDescriptor, annotations: isAnnotations },
    ['schemaVersion', 'config', 'layers'],
  );
}

/** An image index indexSchema takes as it is. */
export function isImageIndex(value: unknown): value is ImageIndex {
  return fields(
    value,
    { schemaVersion: (v) => v === 2, mediaType: isString, artifactType: isString, manifests: isDescriptors, subject: isDescriptor, annotations: isAnnotations },
    ['schemaVersion', 'manifests'],
  );
}

/** A tag list tagListSchema takes as it is. */
export function isTagList(value: unknown): value is { name: string; tags: string[] | null } {
  return fields(value, { name: isString, tags: (v) => v === null || isStrings(v) }, ['name', 'tags']);
}

/** The registry's error body, `{"errors":[{"code","message","detail"}]}`, as errorBodySchema takes it. */
export function isErrorBody(value: unknown): value is { errors: { code?: string; message?: string; detail?: unknown }[] } {
  return fields(value, { errors: (v) => Array.isArray(v) && v.every((e) => fields(e, { code: isString, message: isString, detail: () => true }, [])) }, ['errors']);
}

/** A token service's answer as tokenResponseSchema takes it: `token` or `access_token`, and an optional lifetime. */
export function isTokenResponse(value: unknown): value is { token?: string; access_token?: string; expires_in?: number; issued_at?: string } {
  const token = (v: unknown) => isString(v) && v.length > 0;
  return (
    fields(value, { token, access_token: token, expires_in: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0, issued_at: isString }, []) &&
    ((value as Fields).token !== undefined || (value as Fields).access_token !== undefined)
  );
}
