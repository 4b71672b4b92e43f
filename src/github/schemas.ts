import * as z from 'zod';

// The fields Paks reads from GitHub's answers, checked once at the edge.
// (Full shapes: GitHub's OpenAPI description; the fake in test/helpers/github validates those.)

export const releaseAssetSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  label: z.string().nullable().optional(),
  size: z.number().int(),
  content_type: z.string(),
  digest: z.string().nullable().optional(),
  browser_download_url: z.string(),
  url: z.string(),
});

export const releaseSchema = z.object({
  id: z.number().int(),
  tag_name: z.string(),
  name: z.string().nullable(),
  body: z.string().nullable().optional(),
  draft: z.boolean(),
  prerelease: z.boolean(),
  html_url: z.string(),
  upload_url: z.string(),
  target_commitish: z.string(),
  created_at: z.string(),
  published_at: z.string().nullable(),
  assets: z.array(releaseAssetSchema),
});

export const tagSchema = z.object({
  name: z.string(),
  commit: z.object({ sha: z.string() }),
});

export const labelSchema = z.object({
  name: z.string(),
  color: z.string(),
  description: z.string().nullable(),
});

export const pullRequestSchema = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullable(),
  state: z.enum(['open', 'closed']),
  html_url: z.string(),
  draft: z.boolean().optional(),
  merged_at: z.string().nullable(),
  created_at: z.string(),
  labels: z.array(z.object({ name: z.string().optional() })),
  head: z.object({ ref: z.string(), label: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
});

export const issueCommentSchema = z.object({
  id: z.number().int(),
  html_url: z.string(),
  body: z.string().optional(),
});

export const repositorySchema = z.object({
  id: z.number().int(),
  full_name: z.string(),
  default_branch: z.string(),
  private: z.boolean(),
  html_url: z.string(),
  clone_url: z.string(),
  owner: z.object({ type: z.string() }).optional(),
});

export const rateLimitSchema = z.object({
  rate: z.object({ limit: z.number(), remaining: z.number(), reset: z.number(), used: z.number() }),
});

/** Parses a GitHub answer; a shape Paks cannot read is GitHub's (or a proxy's) fault, said plainly. */
export function parseAnswer<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'the body';
  throw new Error(`GitHub's answer to ${what} is not what its API documents (${where}: ${issue?.message ?? 'unreadable'})`);
}
