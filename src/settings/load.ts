import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { PaksError } from '../errors.js';
import { SETTING_KEYS, type SettingKey, type Settings } from './schema.js';
import { parseTypedValue, requireKey, validateValue } from './values.js';

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
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    throw new PaksError('settings', `${file} is not valid YAML${line ? ` (line ${line})` : ''}: ${problem.message.split('\n')[0]}.`, {
      hint: `Fix the file by hand or start again with: paks config init --force`,
    });
  }
  const data: unknown = doc.toJS();
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
export async function loadSettings(location: SettingsLocation = {}): Promise<LoadedSettings> {
  const env = location.env ?? process.env;
  const shippedFile = shippedSettingsFile();
  const userFile = userSettingsFile(location);
  const defaults = await readSettingsFile(shippedFile, { required: true });
  const explicit = Boolean(location.settingsFile ?? env.PAKS_SETTINGS_FILE) && !location.allowMissing;
  const user = await readSettingsFile(userFile, { required: explicit });
  const values = {} as Record<SettingKey, unknown>;
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const key of SETTING_KEYS) {
    const envName = `PAKS_${key.toUpperCase()}`;
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

/** `~/x` → an absolute path under home. */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}
