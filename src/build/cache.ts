import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import type { InstalledRoot } from '../install/install.js';
import { readBuildCache } from '../buildcache/read-build-cache.js';
import type { SpackRunner } from '../spack/runner.js';
import { pushDependencyArguments } from '../spack/dialect/push.js';
import { readAcceptedPublicKeys } from '../trust/public-key.js';
import { verifyClearsigned } from '../trust/verify-clearsigned.js';
import { spackKeyring } from '../signing/keys.js';

/** `spack buildcache push` of one installed root and its link/run dependencies into `dir`. */
export async function spackBuildcachePush(spack: SpackRunner, dir: string, root: InstalledRoot, options: { key?: string | undefined; force?: boolean | undefined }): Promise<void> {
  const args = ['buildcache', 'push', '--update-index', ...pushDependencyArguments(await spack.dialect())];
  if (options.key) args.push('--key', options.key);
  else args.push('--unsigned');
  if (options.force) args.push('--force');
  args.push(dir, `/${root.hash}`);
  await spack.run(args, { live: true, doing: `make a build cache of ${root.name}@${root.version}` });
}

/** `spack buildcache push --unsigned --only package` of exactly these installed specs (none of their dependencies) into `dir`. */
export async function spackBuildcachePushOnly(spack: SpackRunner, dir: string, specs: ReadonlyArray<{ name: string; hash: string }>): Promise<void> {
  const args = ['buildcache', 'push', '--update-index', '--unsigned', '--only', 'package', dir, ...specs.map((spec) => `/${spec.hash}`)];
  await spack.run(args, { live: true, doing: `make a build cache of ${specs.map((spec) => spec.name).join(', ')}` });
}

/**
 * Checks every spec in a freshly written cache verifies with the signing key (openpgp, the
 * same check `paks install` makes), and that the public key travels in the cache
 * (layout v2: build_cache/_pgp/; v3: a key manifest and its blob).
 */
export async function checkCacheSignatures(client: PaksClient, spack: SpackRunner, dir: string, fingerprint: string, options: { forced?: boolean } = {}): Promise<string> {
  let cache = await readBuildCache(dir);
  if (!cache.keys.some((k) => k.fingerprint === fingerprint)) {
    await spack.run(['buildcache', 'update-index', '--keys', dir], { doing: 'add the public key to the build cache' });
    cache = await readBuildCache(dir);
  }
  const published = cache.keys.find((k) => k.fingerprint === fingerprint);
  const armored = published?.armored ?? (await (await spackKeyring(client)).exportPublic(fingerprint));
  const keys = await readAcceptedPublicKeys(armored, published?.file ?? `key ${fingerprint}`);
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
