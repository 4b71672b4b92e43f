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
