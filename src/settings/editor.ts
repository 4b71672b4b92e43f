import { access, copyFile, readFile, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { PaksError } from '../errors.js';
import { temporarySibling, writeFileAtomic } from '../fs/atomic.js';
import { initSettingsFile } from './edit.js';
import { parseSettingsText } from './read.js';

/**
 * Opens the settings file in an editor on a copy, and replaces the real file only when
 * the edited copy is valid: a typo in the editor never leaves broken settings behind.
 */
export async function editSettingsInteractively(file: string, configured: string | null, env: NodeJS.ProcessEnv): Promise<void> {
  const editor = configured ?? env.VISUAL ?? env.EDITOR;
  if (!editor) {
    throw new PaksError('usage', 'No editor is configured.', { hint: 'Set one with: paks config set config_editor:nano (or set $EDITOR).' });
  }
  if (!(await access(file).then(() => true, () => false))) await initSettingsFile(file);
  const copy = `${temporarySibling(file)}.yml`;
  await copyFile(file, copy);
  try {
    const [command, ...args] = editor.split(/\s+/).filter(Boolean) as [string, ...string[]];
    const result = await execa(command, [...args, copy], { stdio: 'inherit', reject: false, env });
    if (result.exitCode !== 0) {
      throw new PaksError('usage', `The editor "${editor}" exited with ${result.exitCode ?? result.shortMessage}; ${file} is unchanged.`);
    }
    const text = await readFile(copy, 'utf8');
    parseSettingsText(text, file);
    await writeFileAtomic(file, text);
  } finally {
    await rm(copy, { force: true });
  }
}
