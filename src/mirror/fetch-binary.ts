/**
 * Fetching one binary and its link/run closure from a Spack mirror, verified the way Paks
 * artifacts are, before Spack sees a byte: each spec's clearsigned file (v3: the spec
 * manifest, v2: the spec file) against the trusted keys, each blob against its digest as it
 * streams, each tarball against the checksum its signed spec gives, and the root's verified
 * spec against the request. The result is a local file mirror, read back and checked again
 * by the same code that reads every other build cache.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { PaksError } from '../errors.js';
import { removeOnInterrupt } from '../interruption.js';
import { LAYOUT_FILE, MEDIA_TYPE, blobOf, blobPath, parseManifest } from '../buildcache/layout-v3.js';
import { binaryIdentity, describeBinary, tarballPath, type BinaryIdentity } from '../buildcache/layout.js';
import { readBuildCache } from '../buildcache/read-build-cache.js';
import { rankBinaries } from '../buildcache/target-compatibility.js';
import { verifyTarballs } from '../buildcache/verify-tarballs.js';
import { displayUrl, type UrlFetcher } from '../http/fetch-url.js';
import type { VerifiedBinary } from '../install/binary.js';
import type { HostArch } from '../install/host.js';
import { mapWithConcurrency } from '../oci/pool.js';
import { layerNodes } from '../spack-oci/closure.js';
import { parseSpecDocument, targetName, type SpecDocument } from '../spack/spec-json.js';
import { nodesByHash } from '../spec/compiler.js';
import type { ParsedRequest } from '../spec/parse.js';
import { unsatisfiedBecause } from '../spec/satisfies.js';
import type { TrustedKey } from '../trust/public-key.js';
import { isClearsigned, signedSpecPayload } from '../trust/signed-spec-payload.js';
import { specVerifier, verifyClearsigned } from '../trust/verify-clearsigned.js';
import type { IndexCandidate } from './candidates.js';
import type { MirrorLayout } from './layouts.js';
import { describeMirror, mirrorFile, type MirrorLocation } from './location.js';
import { MAX_MANIFEST_BYTES } from './published-key.js';

const MAX_SPEC_BYTES = 16 * 1024 * 1024;
/** v2 spec files do not give a tarball's size; this bounds what Paks will write for one. */
const MAX_TARBALL_BYTES = 64 * 1024 * 1024 * 1024;

export interface MirrorFetchContext {
  fetcher: UrlFetcher;
  mirror: MirrorLocation;
  layout: MirrorLayout;
  trustedKeys: readonly TrustedKey[];
  /** Require trusted signatures (false only with --no-verify). */
  verify: boolean;
  request?: ParsedRequest | undefined;
  host: HostArch;
}

/** A spec file as fetched (kept byte for byte) and what its verified text says. */
interface FetchedSpec {
  id: BinaryIdentity;
  path: string;
  text: string;
  document: SpecDocument;
  tarball: { path: string; sha256: string; size?: number };
  /** v3: the gzip'd spec blob the manifest names. */
  specBlob?: { path: string; bytes: Buffer };
}

export type MirrorFetch = { found: VerifiedBinary; reason?: undefined } | { found?: undefined; reason: string };

export async function fetchVerifiedBinary(context: MirrorFetchContext, candidate: IndexCandidate): Promise<MirrorFetch> {
  const where = describeMirror(context.mirror);
  const root = await fetchSpec(context, candidate);
  if (!root) return { reason: `${where}'s index lists ${describeBinary(candidate)}, but the mirror has no ${context.layout.specPath(candidate)}` };
  const nodes = root.document.spec.nodes;
  const rootNode = nodes[0]!;
  // The index only pointed here: what counts is the signed spec.
  if (context.request) {
    const why = unsatisfiedBecause(rootNode, context.request.spec, nodesByHash(nodes));
    if (why !== undefined) return { reason: `${where}: ${why}` };
  }
  const arch = { os: rootNode.arch.platform_os, target: targetName(rootNode.arch) };
  if (rootNode.arch.platform !== context.host.platform || arch.os !== context.host.os || rankBinaries(context.host, [{ arch }]).length === 0) {
    return { reason: `${where}: the signed spec of ${describeBinary(root.id)} is not for ${context.host.platform}-${context.host.os}-${context.host.target}` };
  }
  const closure = layerNodes(nodes, [rootNode.hash]);
  const specs = await mapWithConcurrency(closure, 4, async (node) => (node.hash === rootNode.hash ? root : fetchSpec(context, binaryIdentity(node, nodes))));
  const missing = closure.filter((_, i) => !specs[i]);
  if (missing.length) {
    return { reason: `${where} has ${describeBinary(root.id)} but not its dependencies ${missing.map((n) => `${n.name}/${n.hash.slice(0, 7)}`).join(', ')}` };
  }

  const dir = await mkdtemp(join(tmpdir(), `paks-mirror-${candidate.name}-`));
  const forget = removeOnInterrupt(dir);
  const remove = () => rm(dir, { recursive: true, force: true }).finally(forget);
  try {
    const local = join(dir, 'mirror');
    if (context.layout.version === 3) await writeLocal(local, LAYOUT_FILE, JSON.stringify({ signing: 'gpg' }));
    await mapWithConcurrency(specs as FetchedSpec[], 4, async (spec) => {
      await writeLocal(local, spec.path, spec.text);
      if (spec.specBlob) await writeLocal(local, spec.specBlob.path, spec.specBlob.bytes);
      await downloadChecked(context.fetcher, mirrorFile(context.mirror, spec.tarball.path), join(local, spec.tarball.path), spec.tarball, `the tarball of ${describeBinary(spec.id)} (its signed spec says sha256 ${spec.tarball.sha256})`);
    });
    // Read back by the code that reads every build cache: signatures, spec blobs, names, tarballs again.
    const cache = await readBuildCache(local, context.verify ? { verifySpec: specVerifier(context.trustedKeys) } : {});
    await verifyTarballs(cache);
    const cached = cache.specs.find((s) => s.hash === rootNode.hash);
    if (!cached) throw new PaksError('integrity', `the files of ${describeBinary(root.id)} from ${where} do not read back as a build cache holding it`);
    const rootSpecFile = join(dir, `${cached.name}-${cached.hash}.spec.json`);
    await writeFile(rootSpecFile, JSON.stringify(cached.document));
    return {
      found: {
        registry: where,
        reference: displayUrl(mirrorFile(context.mirror, root.path)),
        digest: `sha256:${createHash('sha256').update(root.text).digest('hex')}`,
        dir: local,
        cache,
        root: cached,
        rootSpecFile,
        signed: cached.signed,
        remove,
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** The verified spec of one binary; undefined when the mirror does not have it. */
async function fetchSpec(context: MirrorFetchContext, id: BinaryIdentity): Promise<FetchedSpec | undefined> {
  const path = context.layout.specPath(id);
  const url = mirrorFile(context.mirror, path);
  const bytes = await context.fetcher.bytes(url, { maxBytes: MAX_MANIFEST_BYTES });
  if (!bytes) return undefined;
  const text = bytes.toString('utf8');
  const where = displayUrl(url);
  const payload = context.verify
    ? (await verifyClearsigned(text, context.trustedKeys, { file: where })).payload
    : isClearsigned(text)
      ? signedSpecPayload(text, where)
      : text;
  if (context.layout.version === 3) {
    const manifest = parseManifest(payload, where);
    const specRecord = blobOf(manifest, MEDIA_TYPE.spec, where);
    const tarball = blobOf(manifest, MEDIA_TYPE.tarball, where);
    const specBlob = blobPath(specRecord.checksum);
    const blobBytes = await context.fetcher.bytes(mirrorFile(context.mirror, specBlob), { maxBytes: Math.min(specRecord.contentLength, MAX_SPEC_BYTES) });
    if (!blobBytes) throw new PaksError('integrity', `${where} names the spec blob ${specBlob}, which the mirror does not have`);
    const sha256 = createHash('sha256').update(blobBytes).digest('hex');
    if (sha256 !== specRecord.checksum) throw new PaksError('integrity', `the spec blob ${specBlob} has sha256 ${sha256}, not the ${specRecord.checksum} its signed manifest ${where} gives`);
    const json = specRecord.compression === 'gzip' ? gunzipSync(blobBytes, { maxOutputLength: MAX_SPEC_BYTES }).toString('utf8') : blobBytes.toString('utf8');
    const document = describes(parseSpecDocument(json, specBlob), id, where);
    return { id, path, text, document, tarball: { path: blobPath(tarball.checksum), sha256: tarball.checksum, size: tarball.contentLength }, specBlob: { path: specBlob, bytes: blobBytes } };
  }
  const document = describes(parseSpecDocument(payload, where), id, where);
  const checksum = document.binary_cache_checksum;
  if (!checksum || checksum.hash_algorithm !== 'sha256') throw new PaksError('integrity', `${where} gives no sha256 binary_cache_checksum, so its tarball cannot be checked`);
  return { id, path, text, document, tarball: { path: tarballPath(id), sha256: checksum.hash } };
}

/** A signed spec must be the one its path names (the index, or the parent's DAG, led here). */
function describes(document: SpecDocument, id: BinaryIdentity, where: string): SpecDocument {
  const node = document.spec.nodes[0]!;
  if (node.hash !== id.hash || node.name !== id.name) {
    throw new PaksError('integrity', `${where} holds the spec of ${node.name}/${node.hash.slice(0, 7)}, not of ${id.name}/${id.hash.slice(0, 7)}`);
  }
  return document;
}

async function writeLocal(root: string, rel: string, data: string | Buffer): Promise<void> {
  const file = join(root, rel);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, data);
}

/** Streams a blob to `file`, hashing it on the way; a mismatch leaves nothing behind. */
async function downloadChecked(fetcher: UrlFetcher, url: URL, file: string, expected: { sha256: string; size?: number }, what: string): Promise<void> {
  const fetched = await fetcher.get(url, { maxBytes: expected.size ?? MAX_TARBALL_BYTES });
  if (fetched === 'not-found') throw new PaksError('not-found', `${what} is missing: ${displayUrl(url)}`);
  if (fetched === 'not-modified') throw new PaksError('internal', `${displayUrl(url)} answered 304 to an unconditional request.`);
  await mkdir(dirname(file), { recursive: true });
  const hash = createHash('sha256');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(fetched.body, hashing, createWriteStream(file));
    const sha256 = hash.digest('hex');
    if (sha256 !== expected.sha256 || (expected.size !== undefined && size !== expected.size)) {
      throw new PaksError('integrity', `${what} does not match: ${displayUrl(url)} has ${size} bytes with sha256 ${sha256}`, {
        hint: 'The mirror is damaged, or the file was replaced after it was signed. Do not use it.',
      });
    }
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}
