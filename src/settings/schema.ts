import * as z from 'zod';
import { SETTING_KEYS, type SettingKey } from './keys.js';

export { SETTING_KEYS, type SettingKey };

/** The schema of every setting: one place that says what each key may hold. */
export const settingsShape = {
  username: z.string().nullable(),
  email: z.string().email('an email address').nullable(),
  config_editor: z.string().min(1).nullable(),
  cache_dir: z.string().min(1),
  trusted_packages_registry: z.string().min(1),
  trusted_pull_registries: z.array(z.string().min(1)),
  unsigned_registries: z.array(z.string().min(1)),
  default_tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'an OCI tag (letters, digits, ._-)'),
  content_type: z.string().regex(/^[a-z0-9][\w.+-]*\/[\w.+-]+$/i, 'a media type such as application/vnd.x+json'),
  signing_key: z.string().min(1).nullable(),
  trusted_keys: z.array(z.string().min(1)),
  trusted_mirrors: z.array(z.string().regex(/^(https|file):\/\/\S+$/i, 'an https:// or file:// URL of a Spack mirror')),
  mirror_index_ttl: z.number().int().min(0).max(31_536_000),
  registry_concurrency: z.number().int().min(1).max(64),
  registry_timeout: z.number().positive().max(3600),
  registry_lookup_timeout: z.number().positive().max(3600),
  build_padded_length: z.number().int().min(0).max(4096),
  registry_ca_file: z.string().min(1).nullable(),
  spack_root: z.string().min(1).nullable(),
  spack_version: z.string().min(1),
  spack_git_url: z.string().min(1),
  spack_packages_version: z.string().min(1),
  spack_packages_git_url: z.string().min(1),
} as const satisfies Record<SettingKey, z.ZodType>;

export const settingsSchema = z.object(settingsShape).strict();

export type Settings = z.infer<typeof settingsSchema>;
export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(settingsShape, key);
}

export function isListKey(key: SettingKey): boolean {
  return settingsShape[key] instanceof z.ZodArray;
}

/** What a key expects, in words, for error messages. */
export function describeExpected(key: SettingKey): string {
  const schema = settingsShape[key] as z.ZodType;
  if (schema instanceof z.ZodArray) return 'a list of strings';
  if (schema instanceof z.ZodNumber) return 'a whole number';
  if (schema instanceof z.ZodNullable) return `${describeInner(schema.unwrap() as z.ZodType)} or null`;
  return describeInner(schema);
}

function describeInner(schema: z.ZodType): string {
  if (schema instanceof z.ZodNumber) return 'a number';
  if (schema instanceof z.ZodBoolean) return 'true or false';
  return 'a string';
}
