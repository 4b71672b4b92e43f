import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import type { InstalledRoot } from '../install/install.js';
import { readBuildCache } from '../buildcache/read-build-cache.js';
import { BUILD_CACHE_DIR } from '../buildcache/layout.js';
import type { SpackRunner } from '../spack/runner.js';
import { readAcceptedPublicKeys } from '../trust/public-key.js';
import { verifyClearsigned } from '../trust/verify-clearsigned.js';
import { spackKeyring } from '../signing/keys.js';

/** `spack buildcache push` of one installed root and its link/run dependencies into `dir`. */
export async function spackBuildcachePush(spack: SpackRunner, dir: string, root: InstalledRoot, options: { key?: string | undefined; force?: boolean | undefined }): Promise<void> {
  const args = ['buildcache', 'push', '--update-index'];
  if (options.key) args.push('--key', options.key);
  else args.push('--unsigned');
  if (options.force) args.push('--force');
  args.push(dir, `/${root.hash}`);
  await spack.run(args, { live: true, doing: `make a build cache of ${root.name}@${root.version}` });
}

/**
 * Checks every spec in a freshly written cache verifies with the signing key (openpgp, the
 * same check `paks install` makes), and that the public key travels in build_cache/_pgp/.
 */
export async function checkCacheSignatures(client: PaksClient, spack: SpackRunner, dir: string, fingerprint: string, options: { forced?: boolean } = {}): Promise<string> {
  const keyFile = join(dir, BUILD_CACHE_DIR, '_pgp', `${fingerprint}.pub`);
  const present = await access(keyFile).then(() => true, () => false);
  if (!present) await spack.run(['buildcache', 'update-index', '--keys', dir], { doing: 'add the public key to the build cache' });
  const armored = await readFile(keyFile, 'utf8').catch(async () => (await spackKeyring(client)).exportPublic(fingerprint));
  const keys = await readAcceptedPublicKeys(armored, keyFile);
  const cache = await readBuildCache(dir);
  for (const spec of cache.specs) {
    if (!spec.signed) {
      // Spack keeps what a cache folder already holds unless told to overwrite it.
      throw new PaksError('trust', `${dir} holds an unsigned ${spec.specFile} from an earlier build, and Spack does not overwrite it.`, {
        hint: options.forced ? 'Remove the folder and build again.' : 'Build again with --force to overwrite it with a signed copy, or use an empty --cache-dir.',
      });
    }
    const text = await readFile(join(dir, spec.specFile), 'utf8');
    await verifyClearsigned(text, keys, { file: spec.specFile });
  }
  return fingerprint;
}
