/**
 * Reads a build cache of layout v3 (Spack 1.x) into the same `BuildCache` as layout v2.
 * The spec manifest is what is signed; every blob it names is checked against its digest
 * before its content is used, so the signed digest of the tarball plays the role the
 * signed `binary_cache_checksum` plays in layout v2.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PaksError, describeError } from '../errors.js';
import { parseSpecDocument, type SpecDocument } from '../spack/spec-json.js';
import { isClearsigned, signedSpecPayload } from '../trust/signed-spec-payload.js';
import { binaryIdentity } from './layout.js';
import {
  BLOBS_DIR,
  INDEX_MANIFEST,
  KEY_MANIFEST_DIR,
  LAYOUT_FILE,
  MEDIA_TYPE,
  SPEC_MANIFEST_DIR,
  SPEC_MANIFEST_SUFFIX,
  V3_SBOM_DIR,
  blobOf,
  blobPath,
  parseManifest,
  specManifestPath,
  v3Stem,
  type BlobRecord,
} from './layout-v3.js';
import { byText, type BuildCache, type CachedSpec, type ReadBuildCacheOptions } from './read-build-cache.js';

const MAX_METADATA_BYTES = 16 * 1024 * 1024;
const KEY_MANIFEST = /^([0-9A-F]{40})\.key\.manifest\.json$/;
const ARMORED_PUBLIC_KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

/** Synchronous file system calls on purpose, as for layout v2 (read-build-cache.ts). */
export async function readBuildCacheV3(root: string, options: ReadBuildCacheOptions = {}): Promise<BuildCache> {
  const cache: BuildCache = { root, layout: 3, specs: [], keys: [], junk: [] };
  const blobs = collectBlobs(root, cache);
  const claimed = new Set<string>();

  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory() && ['v3', 'blobs', V3_SBOM_DIR].includes(entry.name)) continue;
    cache.junk.push({ path: entry.name, reason: entry.isSymbolicLink() ? 'symbolic link, not followed' : 'not part of a Spack build cache' });
  }
  walkV3(root, 'v3', cache);

  for (const rel of listFiles(root, SPEC_MANIFEST_DIR, 2, cache)) {
    if (!rel.endsWith(SPEC_MANIFEST_SUFFIX)) {
      cache.junk.push({ path: rel, reason: 'not a spec manifest' });
      continue;
    }
    const spec = await readSpec(root, rel, blobs, options, cache);
    if (!spec) continue;
    claimed.add(spec.specBlob!).add(spec.tarball);
    cache.specs.push(spec);
  }

  const index = checkedBlob(root, INDEX_MANIFEST, MEDIA_TYPE.index, blobs, cache);
  if (index) claimed.add(index);
  for (const rel of listFiles(root, KEY_MANIFEST_DIR, 1, cache)) {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (name === 'keys.manifest.json') {
      const keyIndex = checkedBlob(root, rel, MEDIA_TYPE.keyIndex, blobs, cache);
      if (keyIndex) claimed.add(keyIndex);
      continue;
    }
    const match = KEY_MANIFEST.exec(name);
    if (!match) {
      cache.junk.push({ path: rel, reason: 'not a <FINGERPRINT>.key.manifest.json key manifest' });
      continue;
    }
    const blob = checkedBlob(root, rel, MEDIA_TYPE.key, blobs, cache);
    if (!blob) continue;
    claimed.add(blob);
    const armored = readFileSync(join(root, blob), 'utf8');
    if (!armored.trimStart().startsWith(ARMORED_PUBLIC_KEY)) cache.junk.push({ path: blob, reason: 'not an armored OpenPGP public key' });
    else cache.keys.push({ fingerprint: match[1]!, file: blob, armored });
  }

  for (const blob of [...blobs].sort()) if (!claimed.has(blob)) cache.junk.push({ path: blob, reason: 'blob that no manifest names' });
  cache.specs.sort((a, b) => byText(a.name, b.name) || byText(a.version, b.version) || byText(a.hash, b.hash));
  cache.keys.sort((a, b) => byText(a.fingerprint, b.fingerprint));
  cache.junk.sort((a, b) => byText(a.path, b.path));
  return cache;
}

async function readSpec(root: string, rel: string, blobs: Set<string>, options: ReadBuildCacheOptions, cache: BuildCache): Promise<CachedSpec | undefined> {
  const text = readSmall(root, rel, cache);
  if (text === undefined) return undefined;
  // Verification errors are not junk: they stop the read.
  const payload = options.verifySpec ? await options.verifySpec(text, rel) : undefined;
  const signed = isClearsigned(text);
  let tarballRecord: BlobRecord;
  let specRecord: BlobRecord;
  try {
    const manifest = parseManifest(payload ?? (signed ? signedSpecPayload(text, rel) : text), rel);
    tarballRecord = blobOf(manifest, MEDIA_TYPE.tarball, rel);
    specRecord = blobOf(manifest, MEDIA_TYPE.spec, rel);
  } catch (error) {
    cache.junk.push({ path: rel, reason: describeError(error) });
    return undefined;
  }
  const specBlob = blobPath(specRecord.checksum);
  if (!blobs.has(specBlob)) {
    cache.junk.push({ path: rel, reason: `its spec blob ${specBlob} is missing` });
    return undefined;
  }
  // A blob that does not match the digest its (signed) manifest gives is tampering, not junk.
  const bytes = readBlob(root, specBlob, specRecord, rel);
  let document: SpecDocument;
  try {
    const json = specRecord.compression === 'gzip' ? gunzipSync(bytes, { maxOutputLength: MAX_METADATA_BYTES }).toString('utf8') : bytes.toString('utf8');
    document = parseSpecDocument(json, specBlob);
  } catch (error) {
    cache.junk.push({ path: rel, reason: describeError(error) });
    return undefined;
  }
  const identity = binaryIdentity(document.spec.nodes[0]!, document.spec.nodes);
  const expected = specManifestPath(identity);
  if (expected !== rel) {
    cache.junk.push({ path: rel, reason: `its name does not match the spec it holds (expected ${expected})` });
    return undefined;
  }
  const tarball = blobPath(tarballRecord.checksum);
  return {
    ...identity,
    specFile: rel,
    specBlob,
    sbomStem: posix.join(V3_SBOM_DIR, v3Stem(identity)),
    signed,
    tarball,
    tarballPresent: blobs.has(tarball),
    checksum: { algorithm: 'sha256', hash: tarballRecord.checksum },
    document,
  };
}

/** The blob of a one-entry manifest (index, key), checked; junk and undefined when unusable. */
function checkedBlob(root: string, rel: string, mediaType: string, blobs: Set<string>, cache: BuildCache): string | undefined {
  try {
    lstatSync(join(root, rel));
  } catch {
    return undefined;
  }
  const text = readSmall(root, rel, cache);
  if (text === undefined) return undefined;
  try {
    const record = blobOf(parseManifest(text, rel), mediaType, rel);
    const blob = blobPath(record.checksum);
    if (!blobs.has(blob)) throw new PaksError('not-found', `${rel} names ${blob}, which is missing`);
    readBlob(root, blob, record, rel);
    return blob;
  } catch (error) {
    cache.junk.push({ path: rel, reason: describeError(error) });
    return undefined;
  }
}

function readBlob(root: string, blob: string, record: BlobRecord, manifest: string): Buffer {
  const bytes = readFileSync(join(root, blob));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== record.checksum || bytes.length !== record.contentLength) {
    throw new PaksError('integrity', `${blob} does not match ${manifest}: it has ${bytes.length} bytes with sha256 ${sha256}, the manifest says ${record.contentLength} bytes with ${record.checksum}`, {
      hint: 'The build cache is damaged or was changed after it was written. Push it again with `spack buildcache push`.',
    });
  }
  return bytes;
}

function readSmall(root: string, rel: string, cache: BuildCache): string | undefined {
  const size = lstatSync(join(root, rel)).size;
  if (size > MAX_METADATA_BYTES) {
    cache.junk.push({ path: rel, reason: `${size} bytes is too large for a manifest` });
    return undefined;
  }
  return readFileSync(join(root, rel), 'utf8');
}

/** `blobs/sha256/<cc>/<sha256>` files; anything else under blobs/ is junk. */
function collectBlobs(root: string, cache: BuildCache): Set<string> {
  const found = new Set<string>();
  for (const rel of listFiles(root, BLOBS_DIR, 2, cache)) {
    const [prefix, name] = rel.slice(BLOBS_DIR.length + 1).split('/');
    if (name && /^[0-9a-f]{64}$/.test(name) && name.startsWith(prefix!)) found.add(rel);
    else cache.junk.push({ path: rel, reason: 'not a blobs/sha256/<cc>/<sha256> blob' });
  }
  return found;
}

/** Files exactly `depth` folders below `dir` (relative paths); others and links are junk. */
function listFiles(root: string, dir: string, depth: number, cache: BuildCache): string[] {
  const files: string[] = [];
  const visit = (rel: string, level: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = posix.join(rel, entry.name);
      if (entry.isSymbolicLink()) cache.junk.push({ path: child, reason: 'symbolic link, not followed' });
      else if (entry.isDirectory() && level < depth) visit(child, level + 1);
      else if (entry.isFile() && level === depth) files.push(child);
      else cache.junk.push({ path: child, reason: 'not part of a Spack build cache' });
    }
  };
  visit(dir, 1);
  return files.sort();
}

/** Everything under v3/ other than layout.json and the three manifest folders is junk. */
function walkV3(root: string, rel: string, cache: BuildCache): void {
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const child = posix.join(rel, entry.name);
    if (child === LAYOUT_FILE && entry.isFile()) continue;
    if (child === 'v3/manifests' && entry.isDirectory()) {
      for (const sub of readdirSync(join(root, child), { withFileTypes: true })) {
        if (sub.isDirectory() && ['spec', 'index', 'key'].includes(sub.name)) continue;
        cache.junk.push({ path: posix.join(child, sub.name), reason: 'not part of a Spack build cache' });
      }
      continue;
    }
    cache.junk.push({ path: child, reason: entry.isSymbolicLink() ? 'symbolic link, not followed' : 'not part of a Spack build cache' });
  }
}
