/**
 * A package's update rules from the repository's paks.yaml (`packages.<name>.update`):
 * which source to ask (or none: silenced), versions to ignore, a series to track, and
 * whether pre-releases count.
 */
import * as z from 'zod';
import type { Candidate, SourceName } from './sources/candidate.js';
import { compareVersions, inSeries, isBranchVersion, type SpackVersion } from './version.js';

export const updateRulesSchema = z
  .object({
    source: z.enum(['github', 'pypi', 'spack', 'none']).optional(),
    ignore: z
      .array(
        z.string().refine((text) => {
          try {
            new RegExp(text);
            return true;
          } catch {
            return false;
          }
        }, 'a valid regular expression'),
      )
      .default([]),
    track: z
      .string()
      .regex(/^\d+(\.\d+)*(\.(x|\*))?$/, 'a version series such as "1.x" or "2.4.x"')
      .optional(),
    pre: z.boolean().default(false),
  })
  .strict();

export type UpdateRules = z.infer<typeof updateRulesSchema>;
export type SourceChoice = SourceName | 'none';

export const defaultRules: UpdateRules = { ignore: [], pre: false };

/** Why a candidate was left out, for --json and debugging. */
export function rejection(candidate: Candidate, rules: UpdateRules, allowPre: boolean): string | undefined {
  const text = candidate.version.text;
  if (isBranchVersion(candidate.version)) return 'a branch, not a release';
  if (candidate.prerelease && !(allowPre || rules.pre)) return 'a pre-release';
  // Anchored: "2\\..*" ignores 2.x, never 1.2.0.
  const ignored = rules.ignore.find((pattern) => new RegExp(`^(?:${pattern})$`).test(text));
  if (ignored !== undefined) return `ignored by '${ignored}'`;
  if (rules.track && !inSeries(candidate.version, rules.track)) return `outside the tracked series ${rules.track}`;
  return undefined;
}

/** The newest candidate the rules allow that is newer than `current`. */
export function newestAllowed(candidates: readonly Candidate[], current: SpackVersion | undefined, rules: UpdateRules, allowPre = false): Candidate | undefined {
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (rejection(candidate, rules, allowPre)) continue;
    if (current && compareVersions(candidate.version, current) <= 0) continue;
    if (!best || compareVersions(candidate.version, best.version) > 0) best = candidate;
  }
  return best;
}
