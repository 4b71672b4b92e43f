/**
 * What a build cache directory (written by `spack buildcache push DIR`) holds: its specs,
 * where their tarballs are, and its public keys. Layout v2 (Spack 0.23: `build_cache/`) is
 * read here, layout v3 (Spack 1.x: `v3/`, `blobs/`) in read-build-cache-v3.ts; both give
 * the same `BuildCache`. Anything else found there is reported as junk, never followed or trusted.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { PaksError, describeError } from '../errors.js';
import { isClearsigned, signedSpecPayload } from '../trust/signed-spec-payload.js';
import {
  BUILD_CACHE_DIR,
  SIGNED_SPEC_SUFFIX,
  TARBALL_SUFFIX,
  UNSIGNED_SPEC_SUFFIX,
  binaryIdentity,
  specStem,
  tarballPath,
  type BinaryIdentity,
} from './layout.js';
import { LAYOUT_FILE } from './layout-v3.js';
import { parseSpecDocument, type SpecDocument } from '../spack/spec-json.js';

export interface CachedSpec extends BinaryIdentity {
  /**
   * What carries the signature, relative to the cache root: v2 the spec file
   * (`build_cache/...spec.json.sig`), v3 the spec manifest (`v3/manifests/spec/...`).
   */
  specFile: string;
  /** v3: the (gzip'd) spec blob the manifest names, checked against its digest. */
  specBlob?: string;
  /** Where Paks puts this spec's SBOMs, relative to the cache root, without `.cdx.json`. */
  sbomStem: string;
  signed: boolean;
  /** Where the tarball belongs, relative to the cache root, and whether it is there. */
  tarball: string;
  tarballPresent: boolean;
  /** What the tarball must hash to: v2 `binary_cache_checksum` in the spec, v3 the manifest's digest. */
  checksum?: { algorithm: string; hash: string };
  document: SpecDocument;
}

export interface CachedKey {
  /** Upper-case fingerprint, from the file name `_pgp/<FINGERPRINT>.pub`. */
  fingerprint: string;
  file: string;
  armored: string;
}

export interface JunkEntry {
  path: string;
  reason: string;
}

export interface BuildCache {
  /** Absolute path of the mirror root (the folder holding `build_cache/`, or `v3/` and `blobs/`). */
  root: string;
  /** 2: Spack 0.23 and older; 3: Spack 1.x. */
  layout: 2 | 3;
  specs: CachedSpec[];
  keys: CachedKey[];
  junk: JunkEntry[];
}

export interface ReadBuildCacheOptions {
  /**
   * Checks a spec file's text (its signature, usually) and returns the JSON to parse.
   * Throwing stops the whole read: a cache that fails verification is not read at all.
   */
  verifySpec?: (text: string, file: string) => Promise<string>;
}

const MAX_SPEC_BYTES = 16 * 1024 * 1024;
const KEY_FILE = /^[0-9A-F]{40}\.pub$/;
const ARMORED_PUBLIC_KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

/**
 * The build cache in `dir`. Its file system calls are synchronous on purpose: a cache is many
 * small files, where a thread-pool round trip per call cost more than the call (an unchanged
 * `paks push` of bench/oci.ts's 40 specs waited on them more than it worked).
 */
export async function readBuildCache(dir: string, options: ReadBuildCacheOptions = {}): Promise<BuildCache> {
  const root = resolve(dir);
  const cacheDir = join(root, BUILD_CACHE_DIR);
  const stat = lstatIfAny(cacheDir);
  if (!stat?.isDirectory()) {
    const v3 = lstatIfAny(join(root, LAYOUT_FILE));
    if (v3?.isFile()) {
      const { readBuildCacheV3 } = await import('./read-build-cache-v3.js');
      return readBuildCacheV3(root, options);
    }
    throw new PaksError('not-found', `${dir} is not a Spack build cache: it has neither ${BUILD_CACHE_DIR}/ (layout v2, Spack 0.23) nor ${LAYOUT_FILE} (layout v3, Spack 1.x)`, {
      hint: 'Point Paks at the folder given to `spack buildcache push`.',
    });
  }

  if (lstatIfAny(join(root, LAYOUT_FILE))) {
    throw new PaksError('usage', `${dir} holds two build caches: layout v2 (${BUILD_CACHE_DIR}/, Spack 0.23) and layout v3 (v3/, Spack 1.x)`, {
      hint: 'Use one folder per Spack release (e.g. a new --cache-dir), or remove the layout you no longer need.',
    });
  }
  const cache: BuildCache = { root, layout: 2, specs: [], keys: [], junk: [] };
  const tarballs = new Set<string>();
  const specFiles: string[] = [];
  const entries = readdirSync(cacheDir, { withFileTypes: true });
  for (const entry of entries) {
    const rel = posix.join(BUILD_CACHE_DIR, entry.name);
    if (entry.isSymbolicLink()) cache.junk.push({ path: rel, reason: 'symbolic link, not followed' });
    else if (entry.isFile() && (entry.name.endsWith(SIGNED_SPEC_SUFFIX) || entry.name.endsWith(UNSIGNED_SPEC_SUFFIX)))
      specFiles.push(rel);
    else if (entry.isFile() && entry.name === 'index.json.hash') continue;
    else if (entry.isFile() && entry.name === 'index.json') checkIndexHash(root, cache);
    else if (entry.isDirectory() && entry.name === '_pgp') readKeys(root, rel, cache);
    else if (entry.isDirectory()) collectTarballs(root, rel, 1, tarballs, cache);
    else cache.junk.push({ path: rel, reason: 'not part of a Spack build cache' });
  }

  const seen = new Map<string, CachedSpec>();
  for (const rel of specFiles.sort()) {
    const spec = await readSpec(root, rel, tarballs, options, cache);
    if (!spec) continue;
    const earlier = seen.get(spec.hash);
    if (earlier) {
      // Spack prefers the signed file when both exist.
      const [keep, drop] = earlier.signed || !spec.signed ? [earlier, spec] : [spec, earlier];
      cache.junk.push({ path: drop.specFile, reason: `second spec file for /${spec.hash.slice(0, 7)}; using ${keep.specFile}` });
      seen.set(spec.hash, keep);
    } else seen.set(spec.hash, spec);
  }
  cache.specs = [...seen.values()].sort((a, b) => byText(a.name, b.name) || byText(a.version, b.version) || byText(a.hash, b.hash));
  const claimed = new Set(cache.specs.map((s) => s.tarball));
  for (const tarball of [...tarballs].sort()) {
    if (!claimed.has(tarball)) cache.junk.push({ path: tarball, reason: 'tarball without a spec file' });
  }
  cache.keys.sort((a, b) => byText(a.fingerprint, b.fingerprint));
  cache.junk.sort((a, b) => byText(a.path, b.path));
  return cache;
}

const LOWER = /^[a-z0-9.-]*$/;
const UPPER = /^[A-Z0-9.-]*$/;

/**
 * The order localeCompare gives. Plain names, versions, hashes and fingerprints (letters of
 * one case, digits, `.` and `-`: nearly all) are compared by code point, which orders them the
 * same (in the root collation and in a POSIX locale alike) without the ~7 ms of setting up
 * ICU's collator on a command's first compare.
 */
export function byText(a: string, b: string): number {
  if ((LOWER.test(a) && LOWER.test(b)) || (UPPER.test(a) && UPPER.test(b))) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}

async function readSpec(
  root: string,
  rel: string,
  tarballs: Set<string>,
  options: ReadBuildCacheOptions,
  cache: BuildCache,
): Promise<CachedSpec | undefined> {
  const signed = rel.endsWith(SIGNED_SPEC_SUFFIX);
  const abs = join(root, rel);
  const size = lstatSync(abs).size;
  if (size > MAX_SPEC_BYTES) {
    cache.junk.push({ path: rel, reason: `${size} bytes is too large for a spec file` });
    return undefined;
  }
  const text = readFileSync(abs, 'utf8');
  // Verification errors are not junk: they stop the read.
  const payload = options.verifySpec ? await options.verifySpec(text, rel) : undefined;
  let document: SpecDocument;
  try {
    const json = payload ?? (signed || isClearsigned(text) ? signedSpecPayload(text, rel) : text);
    document = parseSpecDocument(json, rel);
  } catch (error) {
    cache.junk.push({ path: rel, reason: describeError(error) });
    return undefined;
  }
  const root0 = document.spec.nodes[0]!;
  const identity = binaryIdentity(root0, document.spec.nodes);
  let stem: string;
  let tarball: string;
  try {
    stem = specStem(identity);
    tarball = tarballPath(identity);
  } catch (error) {
    cache.junk.push({ path: rel, reason: describeError(error) });
    return undefined;
  }
  const expected = posix.join(BUILD_CACHE_DIR, stem + (signed ? SIGNED_SPEC_SUFFIX : UNSIGNED_SPEC_SUFFIX));
  if (expected !== rel) {
    cache.junk.push({ path: rel, reason: `its name does not match the spec it holds (expected ${expected})` });
    return undefined;
  }
  const spec: CachedSpec = {
    ...identity,
    specFile: rel,
    sbomStem: posix.join(BUILD_CACHE_DIR, stem),
    signed,
    tarball,
    tarballPresent: tarballs.has(tarball),
    document,
  };
  const checksum = document.binary_cache_checksum;
  if (checksum) spec.checksum = { algorithm: checksum.hash_algorithm, hash: checksum.hash };
  return spec;
}

function readKeys(root: string, pgpRel: string, cache: BuildCache): void {
  for (const entry of readdirSync(join(root, pgpRel), { withFileTypes: true })) {
    const rel = posix.join(pgpRel, entry.name);
    if (entry.isFile() && entry.name === 'index.json') continue;
    if (!entry.isFile() || !KEY_FILE.test(entry.name)) {
      cache.junk.push({ path: rel, reason: entry.isSymbolicLink() ? 'symbolic link, not followed' : 'not a <FINGERPRINT>.pub key file' });
      continue;
    }
    const armored = readFileSync(join(root, rel), 'utf8');
    if (!armored.trimStart().startsWith(ARMORED_PUBLIC_KEY)) {
      cache.junk.push({ path: rel, reason: 'not an armored OpenPGP public key' });
      continue;
    }
    cache.keys.push({ fingerprint: entry.name.slice(0, 40), file: rel, armored });
  }
}

/** Tarballs sit three folders down: <arch>/<compiler>-<version>/<name>-<version>/<stem>.spack. */
function collectTarballs(root: string, rel: string, depth: number, found: Set<string>, cache: BuildCache): void {
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const child = posix.join(rel, entry.name);
    if (entry.isSymbolicLink()) cache.junk.push({ path: child, reason: 'symbolic link, not followed' });
    else if (entry.isDirectory() && depth < 3) collectTarballs(root, child, depth + 1, found, cache);
    else if (entry.isFile() && depth === 3 && entry.name.endsWith(TARBALL_SUFFIX)) found.add(child);
    else cache.junk.push({ path: child, reason: 'not part of a Spack build cache' });
  }
}

function checkIndexHash(root: string, cache: BuildCache): void {
  const indexRel = posix.join(BUILD_CACHE_DIR, 'index.json');
  let hashText: string;
  try {
    hashText = readFileSync(join(root, BUILD_CACHE_DIR, 'index.json.hash'), 'utf8');
  } catch {
    return;
  }
  const actual = createHash('sha256').update(readFileSync(join(root, indexRel))).digest('hex');
  if (hashText.trim() !== actual) {
    cache.junk.push({ path: indexRel, reason: 'index.json.hash does not match index.json (stale index?)' });
  }
}

/** What lstat says, or undefined when it cannot say (missing, unreadable). */
function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
