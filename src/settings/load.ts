import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SettingKey, Settings } from './schema.js';

export type SettingSource = 'default' | 'user' | 'env';

export interface LoadedSettings {
  values: Settings;
  sources: Record<SettingKey, SettingSource>;
  /** The file `config set` writes: ~/.paks/settings.yml or the one chosen. */
  userFile: string;
  shippedFile: string;
}

export interface SettingsLocation {
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** --settings-file */
  settingsFile?: string;
  cwd?: string;
  /** A chosen settings file may be missing (commands that are about to create it). */
  allowMissing?: boolean;
}

export function shippedSettingsFile(): string {
  return fileURLToPath(new URL('../../settings.yml', import.meta.url));
}

export function userSettingsFile(location: SettingsLocation = {}): string {
  const env = location.env ?? process.env;
  const chosen = location.settingsFile ?? env.PAKS_SETTINGS_FILE;
  if (chosen) return isAbsolute(chosen) ? chosen : resolve(location.cwd ?? process.cwd(), chosen);
  return join(location.home ?? homedir(), '.paks', 'settings.yml');
}

/**
 * Shipped defaults, then the user file key by key, then PAKS_<KEY> variables. Unchanged
 * files and variables are answered from the last run's snapshot without parsing anything.
 */
export async function loadSettings(location: SettingsLocation = {}): Promise<LoadedSettings> {
  const env = location.env ?? process.env;
  const home = location.home ?? homedir();
  const explicit = Boolean(location.settingsFile ?? env.PAKS_SETTINGS_FILE) && !location.allowMissing;
  const files = { shippedFile: shippedSettingsFile(), userFile: userSettingsFile(location), userFileRequired: explicit };
  const { readSnapshot, snapshotFile, snapshotKey, writeSnapshot } = await import('./snapshot.js');
  const stored = snapshotFile(home, env);
  const key = snapshotKey(files, env);
  const known = readSnapshot(stored, key);
  if (known) return known;
  const { readSettings } = await import('./read.js');
  const settings = await readSettings(files, env);
  await writeSnapshot(stored, key, settings);
  return settings;
}

/** `~/x` → an absolute path under home. */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}
