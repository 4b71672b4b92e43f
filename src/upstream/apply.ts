/**
 * `paks update --apply` for one package and version: checksum the tarball twice (Paks'
 * own streamed download and Spack's `spack checksum --batch`), check the URL against the
 * one Spack's url_for_version gives, add the version to package.py atomically, and make
 * sure Spack lists it as safe afterwards — else put the file back as it was.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PaksError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import type { SpackRunner } from '../spack/runner.js';
import { parseSpackChecksum, tarballSha256, type DownloadOptions, type TarballDigest } from './checksum.js';
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
  const expectedUrl = urlForVersion(recipe, version);
  // Paks' own download first: it is size-bounded, so an absurd tarball stops here.
  const ours = expectedUrl ? await tarballSha256(expectedUrl, options) : undefined;
  const spack = await spackChecksum(options.spack, name, version.text);
  if (expectedUrl && spack.url !== expectedUrl) {
    throw new PaksError('integrity', `Spack would fetch ${name} ${version.text} from ${spack.url}, not from ${expectedUrl} as the package's url gives, so Paks did not add it.`, {
      hint: 'Check url (and url_for_version) in package.py.',
    });
  }
  const digest = ours ?? (await tarballSha256(spack.url, options));
  if (digest.sha256 !== spack.sha256) {
    throw new PaksError('integrity', `The tarball of ${name} ${version.text} changed between two downloads (sha256 ${digest.sha256} then ${spack.sha256}), so Paks did not add it.`, {
      hint: `Upstream serves different bytes for ${digest.url}; add this version by hand once it is stable.`,
    });
  }
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

async function spackChecksum(spack: SpackRunner, name: string, version: string): Promise<{ url: string; sha256: string }> {
  const result = await spack.run(['checksum', '--batch', name, version], { allowFailure: true });
  const parsed = parseSpackChecksum(result.stdout, version);
  if (result.exitCode !== 0 || !parsed.url || !parsed.sha256) {
    const reason = /==> Error: (.*)/.exec(result.stderr)?.[1]?.replace(/\.$/, '') ?? `spack checksum exited with ${result.exitCode}`;
    throw new PaksError('network', `Spack could not checksum ${name} ${version}: ${reason}.`);
  }
  return { url: parsed.url, sha256: parsed.sha256 };
}
