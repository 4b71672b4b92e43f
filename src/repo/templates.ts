import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { PaksError } from '../errors.js';

/**
 * The files `paks repo init` writes live as plain files in src/repo/templates/ (shipped
 * with the package), so a workflow reads as a workflow. A new workflow is one more file in
 * templates/workflows/: every file there becomes .github/workflows/<same name>.
 * Placeholders are %%NAME%% (GitHub's own ${{ }} expressions pass through untouched).
 */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../src/repo/templates/', import.meta.url));

export type TemplateValues = Record<string, string>;

/** What a template file becomes in a new repository: template path → repository path. */
export async function repositoryTemplates(): Promise<Array<{ template: string; target: string }>> {
  const workflows = (await readdir(join(TEMPLATE_DIR, 'workflows'))).filter((f) => /\.ya?ml$/.test(f)).sort();
  return [
    { template: 'paks.yaml', target: 'paks.yaml' },
    { template: 'README.md', target: 'README.md' },
    { template: 'gitignore', target: '.gitignore' },
    { template: 'dependabot.yml', target: '.github/dependabot.yml' },
    ...workflows.map((f) => ({ template: `workflows/${f}`, target: `.github/workflows/${f}` })),
  ];
}

/** A template with every %%NAME%% filled in; a placeholder without a value is a bug. */
export async function renderTemplate(template: string, values: TemplateValues): Promise<string> {
  const text = await readFile(join(TEMPLATE_DIR, template), 'utf8');
  return fillPlaceholders(text, values, template);
}

export function fillPlaceholders(text: string, values: TemplateValues, name = 'template'): string {
  return text.replace(/%%([A-Z_]+)%%/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new PaksError('internal', `The ${name} template needs a value for ${key}.`);
    return value;
  });
}

/** The files Paks keeps current with `paks repo upgrade`: what it writes under .github/. */
export function isManagedTarget(target: string): boolean {
  return target.startsWith('.github/');
}

const STAMP = /\n# Rendered by Paks [^\n]* sha256:([0-9a-f]{64}) of the lines above[^\n]*\n$/;

/**
 * A managed file ends with the sha256 of what Paks wrote, so `paks repo upgrade` can tell
 * a file nobody touched (rewrite it) from one a person or Dependabot changed (show, keep).
 */
export function stampRendered(text: string, paksVersion: string): string {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `${body}\n# Rendered by Paks ${paksVersion}: sha256:${sha256(body)} of the lines above; paks repo upgrade rewrites this file while they are unchanged.\n`;
}

/** Whether a managed file is as Paks wrote it: true, false (changed since), or undefined (no stamp). */
export function unchangedSinceRendered(text: string): boolean | undefined {
  const match = STAMP.exec(text);
  if (!match) return undefined;
  return sha256(text.slice(0, match.index)) === match[1];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
