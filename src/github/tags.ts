import type { Octokit } from '@octokit/rest';
import { callGitHub } from './errors.js';
import { formatRepository, type GitHubRepository } from './repository.js';
import { parseAnswer, tagSchema } from './schemas.js';

export interface Tag {
  name: string;
  sha: string;
}

/** The repository's tags across all pages, in GitHub's order (newest ref names first). */
export async function listTags(octokit: Octokit, repository: GitHubRepository, options: { limit?: number } = {}): Promise<Tag[]> {
  const what = `list the tags of ${formatRepository(repository)}`;
  const limit = options.limit ?? Infinity;
  return callGitHub({ what, repository, permission: 'contents: read' }, async () => {
    const tags: Tag[] = [];
    for await (const page of octokit.paginate.iterator(octokit.rest.repos.listTags, { ...repository, per_page: 100 })) {
      for (const raw of page.data) {
        const tag = parseAnswer(tagSchema, raw, what);
        tags.push({ name: tag.name, sha: tag.commit.sha });
        if (tags.length >= limit) return tags;
      }
    }
    return tags;
  });
}
