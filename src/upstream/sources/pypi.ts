/**
 * PyPI's JSON API (`/pypi/NAME/json`) for recipes with a `pypi` attribute. The base URL is
 * settable for mirrors.
 */
import * as z from 'zod';
import type { Recipe } from '../recipe.js';
import { parseVersion } from '../version.js';
import type { Candidate } from './candidate.js';

export const DEFAULT_PYPI_URL = 'https://pypi.org';

export interface PyPIQuery {
  project: string;
  url: string;
}

export function appliesTo(recipe: Recipe): boolean {
  return query(recipe) !== undefined;
}

export function query(recipe: Recipe, baseUrl = DEFAULT_PYPI_URL): PyPIQuery | undefined {
  const project = recipe.pypi?.split('/')[0];
  if (!project || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(project)) return undefined;
  return { project, url: `${baseUrl.replace(/\/+$/, '')}/pypi/${encodeURIComponent(project)}/json` };
}

const file = z.object({
  filename: z.string(),
  packagetype: z.string(),
  yanked: z.boolean().optional(),
  digests: z.object({ sha256: z.string().optional() }).partial().optional(),
});
const document = z.object({
  info: z.object({ name: z.string() }).passthrough(),
  releases: z.record(z.string(), z.array(file)),
});

/** PEP 440 pre- and development releases (1.0a1, 2.0b2, 3.0rc1, 1.0.dev3, 1.0-preview). */
const PEP440_PRE = /(a|b|c|rc|alpha|beta|pre|preview|dev)[._-]?\d*$/i;

/** Final releases with an sdist that is not yanked; pre-releases are marked. */
export function parse(body: unknown, q: PyPIQuery): Candidate[] {
  const doc = document.parse(body);
  const found: Candidate[] = [];
  for (const [text, files] of Object.entries(doc.releases)) {
    const sdist = files.find((f) => f.packagetype === 'sdist' && !f.yanked);
    if (!sdist) continue;
    // PEP 440 spells 1.0a1 where Spack reads 1.0a1 the same way; both keep the text as is.
    const version = parseVersion(text);
    if (!version) continue;
    const sha256 = sdist.digests?.sha256;
    found.push({
      version,
      prerelease: PEP440_PRE.test(text),
      link: `https://pypi.org/project/${q.project}/${text}/`,
      publishedSha256: sha256 && /^[0-9a-f]{64}$/.test(sha256) ? { file: sdist.filename, sha256 } : undefined,
    });
  }
  return found;
}
