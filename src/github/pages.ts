import type { Octokit } from '@octokit/rest';
import * as z from 'zod';
import { callGitHub, failedStatus } from './errors.js';
import { formatRepository, type GitHubRepository } from './repository.js';
import { parseAnswer } from './schemas.js';

const pagesSchema = z.object({ build_type: z.enum(['legacy', 'workflow']).nullable().optional(), html_url: z.string().optional() });

export interface PagesSite {
  /** "workflow": a GitHub Actions workflow deploys the site; "legacy": GitHub builds a branch. */
  buildType: 'legacy' | 'workflow' | undefined;
  htmlUrl: string | undefined;
}

/** The repository's GitHub Pages site, or undefined when Pages is off. */
export async function getPages(octokit: Octokit, repository: GitHubRepository): Promise<PagesSite | undefined> {
  const what = `read the GitHub Pages settings of ${formatRepository(repository)}`;
  return callGitHub({ what, repository, permission: 'pages: read' }, async () => {
    try {
      const raw = parseAnswer(pagesSchema, (await octokit.rest.repos.getPages({ ...repository })).data, what);
      return { buildType: raw.build_type ?? undefined, htmlUrl: raw.html_url };
    } catch (error) {
      if (failedStatus(error) === 404) return undefined;
      throw error;
    }
  });
}

/** Turns Pages on with GitHub Actions as its source, or switches an existing site to it. */
export async function usePagesWorkflow(octokit: Octokit, repository: GitHubRepository, existing: PagesSite | undefined): Promise<void> {
  const what = `turn on GitHub Pages (source: GitHub Actions) for ${formatRepository(repository)}`;
  await callGitHub({ what, repository, permission: 'pages: write' }, async () => {
    if (existing) await octokit.rest.repos.updateInformationAboutPagesSite({ ...repository, build_type: 'workflow' });
    else await octokit.rest.repos.createPagesSite({ ...repository, build_type: 'workflow' });
  });
}
