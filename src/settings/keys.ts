/**
 * The names of every setting, without their schema (schema.ts), so reading the settings
 * snapshot at start-up does not load zod.
 */
export const SETTING_KEYS = [
  'username',
  'email',
  'config_editor',
  'cache_dir',
  'trusted_packages_registry',
  'trusted_pull_registries',
  'unsigned_registries',
  'default_tag',
  'content_type',
  'signing_key',
  'trusted_keys',
  'trusted_mirrors',
  'mirror_index_ttl',
  'registry_concurrency',
  'registry_timeout',
  'registry_lookup_timeout',
  'build_padded_length',
  'registry_ca_file',
  'spack_root',
  'spack_version',
  'spack_git_url',
  'spack_packages_version',
  'spack_packages_git_url',
] as const;

export type SettingKey = (typeof SETTING_KEYS)[number];

/** The variable that overrides a setting: PAKS_SPACK_ROOT for spack_root. */
export function settingVariable(key: SettingKey): string {
  return `PAKS_${key.toUpperCase()}`;
}
