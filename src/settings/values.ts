import { parse as parseYaml } from 'yaml';
import { PaksError } from '../errors.js';
import { SETTING_KEYS, describeExpected, isListKey, isSettingKey, settingsShape, type SettingKey, type Settings } from './schema.js';

/** Validates one value for one key, or explains in a sentence what was expected. */
export function validateValue<K extends SettingKey>(key: K, value: unknown, where?: string): Settings[K] {
  const result = settingsShape[key].safeParse(value);
  if (result.success) return result.data as Settings[K];
  const issue = result.error.issues[0];
  const detail = issue && issue.code !== 'invalid_type' && issue.message ? ` (${issue.message})` : '';
  throw new PaksError('settings', `${where ? `${where}: ` : ''}${key} must be ${describeExpected(key)}${detail}, not ${show(value)}.`, {
    hint: `Fix it with: paks config set ${key}:<value>`,
  });
}

/**
 * Turns text typed by a person (`config set key:value`, PAKS_<KEY>) into a typed value:
 * YAML scalars (true, 3, null) where the key takes them, the plain string otherwise.
 */
export function parseTypedValue(key: SettingKey, text: string, where?: string): unknown {
  const trimmed = text.trim();
  let parsed: unknown = trimmed;
  try {
    parsed = trimmed === '' ? '' : parseYaml(trimmed);
  } catch {
    parsed = trimmed;
  }
  const schema = settingsShape[key];
  if (schema.safeParse(parsed).success) return parsed;
  if (schema.safeParse(trimmed).success) return trimmed;
  if (isListKey(key)) {
    const items = trimmed.split(',').map((s) => s.trim()).filter(Boolean);
    if (schema.safeParse(items).success) return items;
  }
  return validateValue(key, parsed, where);
}

/** The key a person most likely meant, for "did you mean" hints. */
export function closestKey(input: string): SettingKey | undefined {
  let best: SettingKey | undefined;
  let bestDistance = Infinity;
  for (const key of SETTING_KEYS) {
    const d = editDistance(input.toLowerCase(), key);
    if (d < bestDistance) {
      best = key;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

export function requireKey(key: string, where?: string): SettingKey {
  if (isSettingKey(key)) return key;
  const guess = closestKey(key);
  throw new PaksError('settings', `${where ? `${where}: ` : ''}'${key}' is not a Paks setting${guess ? `; did you mean '${guess}'?` : '.'}`, {
    hint: 'See every setting with: paks config list',
  });
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function show(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value) ?? String(value);
}
