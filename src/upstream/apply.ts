/**
 * `paks update --apply` for one package and version: checksum the tarball at the URL the
 * recipe gives for it (one download, bounded in size, silence and time: `spack checksum`
 * would download it again, unbounded, and cannot be handed Paks' file), add the version to
 * package.py atomically, and make sure Spack lists it as safe afterwards — else put the file
 * back as it was. Spack checks the sha256 against its own download when it builds.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PaksError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import type { SpackRunner } from '../spack/runner.js';
import { tarballSha256, type DownloadOptions, type TarballDigest } from './checksum.js';
import { readRecipe, withVersionAdded } from './recipe.js';
import type { Candidate } from './sources/candidate.js';
import { urlForVersion } from './url.js';

export interface AddedVersion extends TarballDigest {
  package: string;
  version: string;
  /** False when package.py already had the version (nothing written). */
  written: boolean;
}

export interface ApplyOptions extends DownloadOptions {
  /** Spack with the community repository in its configuration. */
  spack: SpackRunner;
}

export async function addUpstreamVersion(recipeFile: string, name: string, candidate: Candidate, options: ApplyOptions): Promise<AddedVersion> {
  const version = candidate.version;
  const original = await readFile(recipeFile, 'utf8');
  const recipe = readRecipe(name, original);
  if (recipe.versions.some((v) => v.text === version.text)) {
    const sha256 = recipe.versions.find((v) => v.text === version.text)?.sha256 ?? '';
    return { package: name, version: version.text, url: '', sha256, bytes: 0, written: false };
  }
  const url = urlForVersion(recipe, version);
  if (!url) {
    // Only Spack knows the URL (its own url_for_version), and only by downloading it, without a size bound.
    const why = recipe.customUrlForVersion ? 'computes its download URL in url_for_version' : `has no url that names one of its versions`;
    throw new PaksError('usage', `${name} ${why}, so Paks cannot tell which tarball to checksum without letting Spack download it unbounded; nothing was written.`, {
      hint: `Add ${version.text} by hand: spack checksum --add-to-package ${name} ${version.text}`,
    });
  }
  const digest = await tarballSha256(url, options);
  const published = candidate.publishedSha256;
  if (published && published.file === basename(new URL(digest.url).pathname) && published.sha256 !== digest.sha256) {
    throw new PaksError('integrity', `The tarball of ${name} ${version.text} has sha256 ${digest.sha256}, but upstream publishes ${published.sha256} for ${published.file}, so Paks did not add it.`);
  }
  const updated = withVersionAdded(recipe, version, digest.sha256);
  if (updated === undefined) return { package: name, ...digest, version: version.text, written: false };
  if ((await readFile(recipeFile, 'utf8')) !== original) {
    throw new PaksError('conflict', `${recipeFile} changed while Paks was checksumming ${name} ${version.text}; nothing was written.`, { hint: 'Run paks update again.' });
  }
  await writeFileAtomic(recipeFile, updated);
  try {
    const safe = await options.spack.run(['versions', '--safe', name], { doing: `list the versions of ${name}` });
    if (!safe.stdout.split('\n').some((line) => line.trim() === version.text)) {
      throw new PaksError('spack', `Spack does not list ${name} ${version.text} as a safe version after Paks added it, so Paks put package.py back as it was.`);
    }
  } catch (error) {
    await writeFileAtomic(recipeFile, original);
    throw error;
  }
  return { package: name, ...digest, version: version.text, written: true };
}
