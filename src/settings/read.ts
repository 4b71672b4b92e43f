/**
 * Reading settings files: YAML parsed, every value checked against the schema. Loaded only
 * when the settings snapshot (snapshot.ts) cannot answer, or to edit a file.
 */
import { readFile } from 'node:fs/promises';
import { PaksError } from '../errors.js';
import { parseYamlFile } from '../fs/yaml-file.js';
import { SETTING_KEYS, settingVariable, type SettingKey } from './keys.js';
import type { Settings } from './schema.js';
import { parseTypedValue, requireKey, validateValue } from './values.js';
import type { LoadedSettings, SettingSource } from './load.js';

/** Reads a settings file into a plain map of validated values (missing file: empty). */
export async function readSettingsFile(file: string, { required = false } = {}): Promise<Partial<Settings>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return {};
    if (code === 'ENOENT') throw new PaksError('settings', `Settings file ${file} does not exist.`, { hint: 'Create it with: paks config init' });
    throw new PaksError('settings', `Cannot read settings file ${file}: ${(error as Error).message}.`);
  }
  return parseSettingsText(text, file);
}

export function parseSettingsText(text: string, file: string): Partial<Settings> {
  const { data } = parseYamlFile(text, file, { hint: 'Fix the file by hand or start again with: paks config init --force' });
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new PaksError('settings', `${file} must hold a mapping of settings (key: value), not ${Array.isArray(data) ? 'a list' : typeof data}.`);
  }
  const out: Partial<Settings> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const known = requireKey(key, file);
    (out as Record<string, unknown>)[known] = validateValue(known, value, file);
  }
  return out;
}

/** Shipped defaults, then the user file key by key, then PAKS_<KEY> variables. */
export async function readSettings(files: { shippedFile: string; userFile: string; userFileRequired: boolean }, env: NodeJS.ProcessEnv): Promise<LoadedSettings> {
  const { shippedFile, userFile } = files;
  const defaults = await readSettingsFile(shippedFile, { required: true });
  const user = await readSettingsFile(userFile, { required: files.userFileRequired });
  const values = {} as Record<SettingKey, unknown>;
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const key of SETTING_KEYS) {
    const envName = settingVariable(key);
    const envValue = env[envName];
    if (envValue !== undefined) {
      values[key] = validateValue(key, parseTypedValue(key, envValue, envName), envName);
      sources[key] = 'env';
    } else if (key in user) {
      values[key] = user[key];
      sources[key] = 'user';
    } else if (key in defaults) {
      values[key] = defaults[key];
      sources[key] = 'default';
    } else {
      throw new PaksError('internal', `The shipped settings file ${shippedFile} has no value for ${key}.`);
    }
  }
  return { values: values as Settings, sources, userFile, shippedFile };
}
