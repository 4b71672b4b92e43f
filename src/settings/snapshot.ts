/**
 * The settings of the last run, validated, kept as JSON in the user's cache folder
 * (`$XDG_CACHE_HOME/paks` or `~/.cache/paks`). A command whose settings files and PAKS_
 * variables did not change reads them back instead of loading a YAML parser and the schema
 * (~25 ms of every start, bench/start.ts). The key is everything the answer depends on: the
 * Paks that read them (version, and the identity of its code, so a rebuild reads again), the
 * identity (path, device, inode, size, modification and change times) of the shipped and the
 * user's file, whether the user's file must exist, and the PAKS_<SETTING> variables. Only
 * settings' own variables are part of it (they hold no secrets; PAKS_REGISTRY_PASSWORD and the
 * like are not settings). It is read only when this user wrote it (readOwnCacheFile).
 */
import { fileURLToPath } from 'node:url';
import { fileIdentity, readOwnCacheFile, userCacheFile, writeOwnCacheFile } from '../fs/user-cache.js';
import { paksVersion } from '../version.js';
import { SETTING_KEYS, settingVariable } from './keys.js';
import type { LoadedSettings } from './load.js';

const FORMAT = 1;

interface Snapshot {
  format: typeof FORMAT;
  key: string;
  settings: LoadedSettings;
}

export function snapshotFile(home: string, env: NodeJS.ProcessEnv): string {
  return userCacheFile(env, 'settings.json', home);
}

export function snapshotKey(files: { shippedFile: string; userFile: string; userFileRequired: boolean }, env: NodeJS.ProcessEnv): string {
  const variables = SETTING_KEYS.map(settingVariable)
    .filter((name) => env[name] !== undefined)
    .map((name) => `${name}=${env[name]}`);
  return JSON.stringify([paksVersion(), fileIdentity(fileURLToPath(import.meta.url)), fileIdentity(files.shippedFile), fileIdentity(files.userFile), files.userFileRequired, ...variables]);
}

/** The stored settings if they were read under this key; undefined otherwise (or unreadable). */
export function readSnapshot(file: string, key: string): LoadedSettings | undefined {
  // Settings decide which Spack runs: only a file this user wrote and nobody else can change.
  const text = readOwnCacheFile(file);
  if (text === undefined) return undefined;
  try {
    const stored = JSON.parse(text) as Partial<Snapshot>;
    if (stored.format !== FORMAT || stored.key !== key || typeof stored.settings?.values !== 'object') return undefined;
    return stored.settings;
  } catch {
    return undefined;
  }
}

/** Keeps the settings for the next run; a cache folder that cannot be written only costs speed. */
export async function writeSnapshot(file: string, key: string, settings: LoadedSettings): Promise<void> {
  const snapshot: Snapshot = { format: FORMAT, key, settings };
  // Read-only home, full disk: the next run reads the files again.
  await writeOwnCacheFile(file, `${JSON.stringify(snapshot)}\n`);
}
