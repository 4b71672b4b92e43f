import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isMap, parseDocument, type Document } from 'yaml';
import { PaksError } from '../errors.js';
import { withFileLock, writeFileAtomic } from '../fs/atomic.js';
import { isListKey, type SettingKey } from './schema.js';
import { shippedSettingsFile } from './load.js';
import { parseSettingsText } from './read.js';
import { parseTypedValue, requireKey, show, validateValue } from './values.js';

export interface SettingChange {
  key: SettingKey;
  value: unknown;
  file: string;
}

/** `key:value` as typed on the command line (the first colon separates). */
export function splitAssignment(text: string): { key: string; value: string } {
  const at = text.indexOf(':');
  if (at <= 0) {
    throw new PaksError('usage', `'${text}' is not of the form key:value.`, { hint: 'For example: paks config set default_tag:main' });
  }
  return { key: text.slice(0, at).trim(), value: text.slice(at + 1) };
}

/** Creates the user settings file from the shipped, commented defaults. */
export async function initSettingsFile(file: string, { force = false } = {}): Promise<string> {
  await ensureDirectory(file);
  return writeGuard(file, async () =>
    withFileLock(file, async () => {
      if (!force) {
        const exists = await readFile(file).then(() => true, () => false);
        if (exists) {
          throw new PaksError('conflict', `${file} already exists.`, { hint: 'Use --force to replace it with the defaults.' });
        }
      }
      const text = await readFile(shippedSettingsFile(), 'utf8');
      await writeFileAtomic(file, text);
      return file;
    }),
  );
}

/** Sets several keys in one write: every value is checked before the file is touched. */
export async function setSettings(file: string, assignments: ReadonlyArray<{ key: string; value: string }>): Promise<SettingChange[]> {
  const changes = assignments.map(({ key, value }) => {
    const known = requireKey(key);
    return { key: known, value: validateValue(known, parseTypedValue(known, value)), file };
  });
  await editDocument(file, (doc) => {
    for (const change of changes) doc.set(change.key, change.value);
  });
  return changes;
}

export async function addToSetting(file: string, key: string, item: string, current: unknown[]): Promise<SettingChange> {
  return changeList(file, key, (list) => (list.includes(item) ? list : [...list, item]), current);
}

export async function removeFromSetting(file: string, key: string, item: string, current: unknown[]): Promise<SettingChange> {
  return changeList(file, key, (list) => {
    if (!list.includes(item)) {
      throw new PaksError('not-found', `${key} does not contain ${show(item)}.`, { hint: `See its items with: paks config get ${key}` });
    }
    return list.filter((x) => x !== item);
  }, current);
}

async function changeList(file: string, key: string, change: (list: unknown[]) => unknown[], effective: unknown[]): Promise<SettingChange> {
  const known = requireKey(key);
  if (!isListKey(known)) {
    throw new PaksError('usage', `${known} is not a list, so items cannot be added or removed.`, { hint: `Use: paks config set ${known}:<value>` });
  }
  let result: unknown[] = [];
  await editDocument(file, (doc) => {
    const inFile = doc.get(known);
    // The user file may not list the key yet: start from the effective value.
    const start = inFile === undefined ? effective : ((doc.toJS() as Record<string, unknown>)[known] as unknown[]);
    result = validateValue(known, change([...start])) as unknown[];
    doc.set(known, result);
  });
  return { key: known, value: result, file };
}

/** Read, change, validate and atomically replace the file, keeping its comments. */
async function editDocument(file: string, change: (doc: Document) => void): Promise<void> {
  await ensureDirectory(file);
  await writeGuard(file, () =>
    withFileLock(file, async () => {
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      parseSettingsText(text, file); // refuse to edit a file that is already broken
      const doc = parseDocument(text);
      if (doc.contents === null || !isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
      change(doc);
      const next = String(doc);
      parseSettingsText(next, file);
      await writeFileAtomic(file, next);
    }),
  );
}

async function ensureDirectory(file: string): Promise<void> {
  await writeGuard(file, () => mkdir(dirname(file), { recursive: true }));
}

/** Turns file-system refusals into one sentence that names the file. */
async function writeGuard<T>(file: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PaksError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new PaksError('settings', `Cannot write ${file}: permission denied.`, {
        hint: 'Choose a writable file with --settings-file PATH or PAKS_SETTINGS_FILE.',
      });
    }
    if (code === 'ELOCKED') throw new PaksError('conflict', (error as Error).message + '.');
    throw new PaksError('settings', `Cannot write ${file}: ${(error as Error).message}.`);
  }
}

