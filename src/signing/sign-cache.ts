/**
 * Signing a build cache after the fact: CI builds unsigned caches where recipe code runs, and
 * a separate job that runs no recipe signs them with the repository key. The result is what
 * `spack buildcache push --key` would have written (layout v2: `.spec.json.sig` and
 * `_pgp/`; v3: clearsigned spec manifests and key manifests), checked afterwards with the
 * code `paks install` uses.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PaksError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { readBuildCache, type BuildCache, type CachedSpec } from '../buildcache/read-build-cache.js';
import { BUILD_CACHE_DIR, SIGNED_SPEC_SUFFIX, UNSIGNED_SPEC_SUFFIX } from '../buildcache/layout.js';
import { BLOBS_DIR, KEY_MANIFEST_DIR, MEDIA_TYPE, blobPath } from '../buildcache/layout-v3.js';
import { sha256File, verifyTarballs } from '../buildcache/verify-tarballs.js';
import { readAcceptedPublicKeys, type TrustedKey } from '../trust/public-key.js';
import { signedSpecPayload } from '../trust/signed-spec-payload.js';
import { verifyClearsigned } from '../trust/verify-clearsigned.js';

/** What signs: a key's fingerprint, its armored public half, and a clearsigning function. */
export interface CacheSigner {
  fingerprint: string;
  publicKey: string;
  clearsign(text: string): Promise<string>;
}

export interface SignCacheOptions {
  /** `sha256:…` of the cache as the build job left it (see cacheDigest); refused when it differs. */
  expectDigest?: string | undefined;
  /** Re-sign specs that carry another key's signature. */
  force?: boolean;
}

export interface SignCacheReport {
  dir: string;
  layout: 2 | 3;
  fingerprint: string;
  /** `name@version/hash7` of each spec signed now, and of those this key had signed already. */
  signed: string[];
  unchanged: string[];
}

export async function signBuildCache(dir: string, signer: CacheSigner, options: SignCacheOptions = {}): Promise<SignCacheReport> {
  if (options.expectDigest) {
    const actual = await cacheDigest(dir);
    if (actual !== options.expectDigest.trim()) {
      throw new PaksError('integrity', `${dir} is not the build cache the build job made: its digest is ${actual}, but ${options.expectDigest.trim()} was expected.`, {
        hint: 'Something changed the cache between the jobs; build it again instead of signing it.',
      });
    }
  }
  const cache = await readBuildCache(dir);
  if (cache.specs.length === 0) throw new PaksError('not-found', `${dir} holds no spec to sign.`, { hint: 'Point paks sign at the folder given to `spack buildcache push` (or `paks build --cache-dir`).' });
  const keys = await readAcceptedPublicKeys(signer.publicKey, `the public half of ${signer.fingerprint}`);
  // Every tarball must match its spec before anything is signed: a signature vouches for it.
  await verifyTarballs(cache);

  const report: SignCacheReport = { dir: cache.root, layout: cache.layout, fingerprint: signer.fingerprint, signed: [], unchanged: [] };
  for (const spec of cache.specs) {
    const label = `${spec.name}@${spec.version}/${spec.hash.slice(0, 7)}`;
    const text = await readFile(join(cache.root, spec.specFile), 'utf8');
    if (spec.signed) {
      const mine = await verifyClearsigned(text, keys, { file: spec.specFile }).then(() => true, () => false);
      if (mine) {
        report.unchanged.push(label);
        continue;
      }
      if (!options.force) {
        throw new PaksError('conflict', `${spec.specFile} is already signed, and not by ${signer.fingerprint}.`, { hint: 'Pass --force to sign it again with this key, or sign a cache built with --unsigned.' });
      }
    }
    const payload = spec.signed ? signedSpecPayload(text, spec.specFile) : text;
    await writeSignedSpec(cache, spec, await signer.clearsign(payload));
    report.signed.push(label);
  }
  if (cache.layout === 2) await publishKeyV2(cache.root, signer);
  else await publishKeyV3(cache.root, signer);
  await checkSigned(cache.root, keys);
  return report;
}

async function writeSignedSpec(cache: BuildCache, spec: CachedSpec, signed: string): Promise<void> {
  if (cache.layout === 3) {
    // v3 signs the spec manifest itself, at the same path.
    await writeFileAtomic(join(cache.root, spec.specFile), signed);
    return;
  }
  const stem = spec.specFile.endsWith(SIGNED_SPEC_SUFFIX) ? spec.specFile.slice(0, -SIGNED_SPEC_SUFFIX.length) : spec.specFile.slice(0, -UNSIGNED_SPEC_SUFFIX.length);
  await writeFileAtomic(join(cache.root, `${stem}${SIGNED_SPEC_SUFFIX}`), signed);
  // A signed push leaves no unsigned spec file beside the signed one.
  if (spec.specFile.endsWith(UNSIGNED_SPEC_SUFFIX) && !spec.specFile.endsWith(SIGNED_SPEC_SUFFIX)) await rm(join(cache.root, spec.specFile), { force: true });
}

async function publishKeyV2(root: string, signer: CacheSigner): Promise<void> {
  const dir = join(root, BUILD_CACHE_DIR, '_pgp');
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, `${signer.fingerprint}.pub`), signer.publicKey, 0o644);
  const fingerprints = (await readdir(dir)).map((f) => /^([0-9A-F]{40})\.pub$/.exec(f)?.[1]).filter((f): f is string => Boolean(f)).sort();
  await writeFileAtomic(join(dir, 'index.json'), JSON.stringify({ keys: Object.fromEntries(fingerprints.map((f) => [f, {}])) }), 0o644);
}

async function publishKeyV3(root: string, signer: CacheSigner): Promise<void> {
  const keyDir = join(root, KEY_MANIFEST_DIR);
  await mkdir(keyDir, { recursive: true });
  const keyBlob = await writeBlob(root, Buffer.from(signer.publicKey));
  await writeFileAtomic(join(keyDir, `${signer.fingerprint}.key.manifest.json`), manifestText([{ ...keyBlob, mediaType: MEDIA_TYPE.key }]), 0o644);
  const fingerprints = (await readdir(keyDir)).map((f) => /^([0-9A-F]{40})\.key\.manifest\.json$/.exec(f)?.[1]).filter((f): f is string => Boolean(f)).sort();
  const indexBlob = await writeBlob(root, Buffer.from(JSON.stringify({ keys: Object.fromEntries(fingerprints.map((f) => [f, {}])) })));
  await writeFileAtomic(join(keyDir, 'keys.manifest.json'), manifestText([{ ...indexBlob, mediaType: MEDIA_TYPE.keyIndex }]), 0o644);
}

async function writeBlob(root: string, data: Buffer): Promise<{ contentLength: number; checksum: string }> {
  const checksum = createHash('sha256').update(data).digest('hex');
  const path = join(root, blobPath(checksum));
  await mkdir(join(root, BLOBS_DIR, checksum.slice(0, 2)), { recursive: true });
  if (!(await lstat(path).then((s) => s.isFile(), () => false))) await writeFileAtomic(path, data, 0o644);
  return { contentLength: data.length, checksum };
}

/** A v3 manifest as Spack writes it (Python's json.dumps with indent=0 and compact separators). */
function manifestText(records: Array<{ contentLength: number; checksum: string; mediaType: string }>): string {
  const data = records.map((r) => ({ contentLength: r.contentLength, mediaType: r.mediaType, compression: 'none', checksumAlgorithm: 'sha256', checksum: r.checksum }));
  return JSON.stringify({ version: 3, data }, null, 1).replace(/^ +/gm, '').replace(/": /g, '":');
}

/** Reads the cache back the way `paks install` does: every spec verified with the key, every tarball against its signed checksum. */
async function checkSigned(root: string, keys: readonly TrustedKey[]): Promise<void> {
  const cache = await readBuildCache(root, { verifySpec: async (text, file) => (await verifyClearsigned(text, keys, { file })).payload });
  const unsigned = cache.specs.filter((s) => !s.signed);
  if (unsigned.length) throw new PaksError('internal', `${unsigned.map((s) => s.specFile).join(', ')} is still unsigned after signing.`);
  await verifyTarballs(cache);
}

/**
 * One digest for a whole cache folder: sha256 of the `sha256sum` lines of its files sorted by
 * path (`./path`, C collation), i.e. what
 * `cd CACHE && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum` prints. A build
 * job passes it as a job output; the signing job refuses a cache that no longer matches.
 */
export async function cacheDigest(dir: string): Promise<string> {
  const files: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? posix.join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        if (/[\n\\]/.test(path)) throw new PaksError('integrity', `${dir} holds a file whose name cannot be digested (${JSON.stringify(path)}).`);
        files.push(`./${path}`);
      } else throw new PaksError('integrity', `${dir} holds ${path}, which is not a regular file or folder; a build cache has none.`);
    }
  }
  await walk('');
  files.sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
  const listing = createHash('sha256');
  for (const file of files) listing.update(`${(await sha256File(join(dir, file))).sha256}  ${file}\n`);
  return `sha256:${listing.digest('hex')}`;
}
