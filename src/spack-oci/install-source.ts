/**
 * Installs from Spack's own OCI build caches (`spack buildcache push` to `oci://…`, or the
 * images Paks writes beside its artifacts). Paks reads `index.spack`, picks the spec for this
 * platform, downloads the closure's layers with their digests checked, checks each tarball
 * against the `binary_cache_checksum` of its image config, and lays them out as a file
 * mirror of the layout the images were written in (config `buildcache_layout_version` 2:
 * Spack 0.23's build_cache/, 3: Spack 1.x's v3/ and blobs/) that the usual install path hands
 * to Spack.
 *
 * Spack 0.23 cannot sign OCI pushes, so such a cache is unsigned unless Paks referrers carry
 * a clearsigned spec for every image: then each is verified against the trusted keys.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import { specFilePath, tarballPath, binaryIdentity, BUILD_CACHE_DIR } from '../buildcache/layout.js';
import { readBuildCache } from '../buildcache/read-build-cache.js';
import { LAYOUT_FILE, MEDIA_TYPE, blobOf, blobPath, parseManifest, specManifestPath } from '../buildcache/layout-v3.js';
import { isClearsigned, signedSpecPayload } from '../trust/signed-spec-payload.js';
import { spackForLayout } from '../spack/dialect/index.js';
import { binaryFacts, describeNoFit, rankCandidates } from '../compatibility/judge.js';
import { verifyTarballs } from '../buildcache/verify-tarballs.js';
import type { RegistryClient, Repository } from '../oci/client.js';
import { SPACK_SPEC_SIGNED } from '../oci/media-types.js';
import { formatReference, parseReference } from '../oci/reference.js';
import { listReferrers } from '../oci/referrers.js';
import type { Descriptor } from '../oci/schemas.js';
import { parseSpecDocument, SpecNodeSchema, type SpecNode } from '../spack/spec-json.js';
import { specVerifier } from '../trust/verify-clearsigned.js';
import { unsatisfiedBecause } from '../spec/satisfies.js';
import type { BinaryLookup, LookupOptions, OpenRegistry } from '../install/binary.js';
import { createLookupBudget, LookupTimedOut } from '../oci/lookup-budget.js';
import { layerNodes } from './closure.js';
import { INDEX_TAG, spackImageTag } from './image.js';
import { parseDatabase } from './index-spack.js';

const MAX_JSON = 64 * 1024 * 1024;

interface ImageFacts {
  node: SpecNode;
  manifestDigest: string;
  manifestSize: number;
  manifestType: string;
  layer: Descriptor;
  config: Record<string, unknown>;
}

/**
 * The Spack-native cache for `name` among the registries, verified and laid out as a file mirror.
 * Finding it (index.spack and its layer) spends the same per-registry budget as the Paks
 * artifact's look-up; downloading and checking the binary it picked does not.
 */
export async function lookupSpackNativeBinary(client: PaksClient, openRegistry: OpenRegistry, options: LookupOptions): Promise<BinaryLookup> {
  const reasons: string[] = [];
  const budget = options.budget ?? createLookupBudget(options.lookupTimeoutMs ?? 30_000);
  for (const base of options.registries) {
    const controller = new AbortController();
    const registry = await openRegistry(controller.signal);
    try {
      const found = await lookupIn(client, registry, base, (work) => budget.within(base, controller, work), options, reasons);
      if (found) return found;
    } finally {
      await registry.close();
    }
  }
  return { reasons };
}

async function lookupIn(
  client: PaksClient,
  registry: RegistryClient,
  base: string,
  find: <T>(work: () => Promise<T>) => Promise<T>,
  options: LookupOptions,
  reasons: string[],
): Promise<BinaryLookup | undefined> {
  const trimmed = base.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  // A Spack mirror is one repository; Paks writes its images beside each artifact (<base>/<name>).
  for (const candidate of [`${trimmed}/${options.name}`, trimmed]) {
    let repo: Repository;
    try {
      const ref = parseReference(`${candidate}:${INDEX_TAG}`);
      repo = { registry: ref.registry, repository: ref.repository };
    } catch {
      continue;
    }
    const where = `${repo.registry}/${repo.repository}`;
    let index;
    try {
      index = await find(() => registry.getManifest({ ...repo, tag: INDEX_TAG }).catch(() => undefined));
    } catch (error) {
      reasons.push(`${where} (a Spack OCI build cache): ${describeError(error)}`);
      return undefined;
    }
    if (!index || index.kind !== 'manifest' || index.manifest.layers.length !== 1) continue;
    try {
      const layer = index.manifest.layers[0]!;
      const db = parseDatabase(await find(() => registry.fetchBlobBytes(repo, layer, MAX_JSON)), `${where}:${INDEX_TAG}`);
      // Records are parsed like any spec JSON (defaults included); one Paks cannot read is passed over.
      const nodes = new Map<string, SpecNode>();
      for (const [hash, record] of Object.entries(db.database.installs)) {
        const parsed = SpecNodeSchema.safeParse({ hash, ...(record.spec as object) });
        if (parsed.success) nodes.set(parsed.data.hash, parsed.data);
      }
      const named = [...nodes.values()].filter((node) => db.database.installs[node.hash]?.in_buildcache && node.name === options.name && (!options.version || node.version === options.version));
      // The same rules as for Paks artifacts: the libc and target of each spec, then the whole request.
      const { fitting, refused } = rankCandidates(named, (node) => binaryFacts(nodes, node.hash), options.host, options.request?.spec);
      const why = options.request ? fitting.map(({ candidate }) => unsatisfiedBecause(candidate, options.request!.spec, nodes)) : [];
      const best = fitting.find((_, i) => why[i] === undefined)?.candidate;
      if (!best) {
        const reason = why.find((w) => w !== undefined) ?? (refused.length === 1 ? `${options.name} ${refused[0]!.reason}` : undefined);
        reasons.push(reason
          ? `${where} (a Spack OCI build cache): ${reason}`
          : named.length === 0
            ? `${where} (a Spack OCI build cache) has no ${options.name}${options.version ? `@${options.version}` : ''}`
            : `${where} (a Spack OCI build cache): ${describeNoFit(options.name, options.host, refused.map((r) => r.facts))}`);
        continue;
      }
      const signedOnly = options.verify && !options.unsignedRegistries.some((r) => sameRegistry(r, base));
      return await fetchVerified(client, registry, repo, best, { ...options, signedOnly, base });
    } catch (error) {
      if (error instanceof PaksError && (error.kind === 'trust' || error.kind === 'integrity')) {
        throw new PaksError(error.kind, `Refusing the binary of ${options.name} from ${where}: ${describeError(error).replace(/\.$/, '')}.`, { hint: error.hint, cause: error });
      }
      if (error instanceof PaksError && error.kind === 'usage') {
        reasons.push(describeError(error).replace(/\.$/, ''));
        continue;
      }
      reasons.push(`${where}: ${describeError(error).replace(/\.$/, '')}`);
      if (error instanceof LookupTimedOut) return undefined;
    }
  }
  return undefined;
}

/** A 404 for something index.spack promised is a broken cache, not a missing binary. */
async function promised<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PaksError && error.kind === 'not-found') throw new PaksError('integrity', `index.spack lists it, but the registry does not have ${what}`, { cause: error });
    throw error;
  }
}

async function imageFacts(registry: RegistryClient, repo: Repository, node: SpecNode): Promise<ImageFacts> {
  const tag = spackImageTag(node);
  const fetched = await promised(`the image ${tag}`, () => registry.getManifest({ ...repo, tag }));
  if (fetched.kind !== 'manifest' || fetched.manifest.layers.length === 0) {
    throw new PaksError('integrity', `${repo.repository}:${tag} is not a Spack build cache image.`);
  }
  const config = JSON.parse((await promised(`the config ${fetched.manifest.config.digest} of ${tag}`, () => registry.fetchBlobBytes(repo, fetched.manifest.config, MAX_JSON))).toString('utf8')) as Record<string, unknown>;
  return { node, manifestDigest: fetched.digest, manifestSize: fetched.bytes.length, manifestType: fetched.mediaType, layer: fetched.manifest.layers.at(-1)!, config };
}

async function fetchVerified(
  client: PaksClient,
  registry: RegistryClient,
  repo: Repository,
  rootNode: SpecNode,
  options: LookupOptions & { signedOnly: boolean; base: string },
): Promise<BinaryLookup> {
  const where = `${repo.registry}/${repo.repository}`;
  const root = await imageFacts(registry, repo, rootNode);
  const rootDocument = parseSpecDocument(JSON.stringify({ spec: root.config.spec }), `${where}:${spackImageTag(rootNode)} config`);
  const closure = layerNodes(rootDocument.spec.nodes, [rootNode.hash]);
  const images = await Promise.all(closure.map((node) => (node.hash === rootNode.hash ? root : imageFacts(registry, repo, node))));

  // Signatures: every image needs a Paks referrer with a clearsigned spec, or none is trusted.
  const signatures = new Map<string, string>();
  for (const image of images) {
    const referrers = await listReferrers(registry, repo, image.manifestDigest, SPACK_SPEC_SIGNED).catch(() => []);
    for (const referrer of referrers) {
      const manifest = await registry.getManifest({ ...repo, digest: referrer.digest });
      if (manifest.kind !== 'manifest' || manifest.manifest.layers.length !== 1) continue;
      signatures.set(image.node.hash, (await registry.fetchBlobBytes(repo, manifest.manifest.layers[0]!, MAX_JSON)).toString('utf8'));
      break;
    }
  }
  const signed = images.every((i) => signatures.has(i.node.hash));
  if (!signed && options.signedOnly) {
    return {
      reasons: [
        `${where} is a Spack OCI build cache whose ${options.name} is not signed by Paks; add ${options.base} to unsigned_registries or pass --no-verify to install it unverified`,
      ],
    };
  }
  if (!options.verify) client.reporter.warn(`--no-verify: installing ${options.name} from ${where} without checking signatures.`);
  else if (!signed) client.reporter.warn(`${options.base} is listed in unsigned_registries: ${options.name} from its Spack OCI build cache is not signed.`);

  const dir = await mkdtemp(join(tmpdir(), `paks-spack-oci-${options.name}-`));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const mirror = join(dir, 'mirror');
    for (const image of images) {
      const checksum = (image.config.binary_cache_checksum as { hash?: unknown } | undefined)?.hash;
      if (typeof checksum !== 'string' || `sha256:${checksum}` !== image.layer.digest) {
        throw new PaksError('integrity', `the binary_cache_checksum of ${image.node.name}/${image.node.hash.slice(0, 7)} (${String(checksum)}) does not match its layer ${image.layer.digest}`);
      }
      if (image.config.buildcache_layout_version === 3) {
        await writeV3Entry(registry, repo, mirror, image, signed ? signatures.get(image.node.hash) : undefined);
        continue;
      }
      const id = binaryIdentity(image.node);
      const tarball = join(mirror, tarballPath(id));
      await mkdir(dirname(tarball), { recursive: true });
      // The download checks the layer's digest; verifyTarballs then checks it against the spec.
      await promised(`the layer ${image.layer.digest} of ${spackImageTag(image.node)}`, () => registry.fetchBlobToFile(repo, image.layer, tarball));
      const specText = signatures.get(image.node.hash);
      if (signed && specText) {
        await writeFile(join(mirror, specFilePath(id, true)), specText);
      } else {
        const spec = { spec: image.config.spec, buildcache_layout_version: image.config.buildcache_layout_version, binary_cache_checksum: image.config.binary_cache_checksum };
        await mkdir(join(mirror, BUILD_CACHE_DIR), { recursive: true });
        await writeFile(join(mirror, specFilePath(id, false)), JSON.stringify(spec));
      }
    }
    // Signed: every spec must verify against a trusted key, and what was signed is what is read.
    const cache = await readBuildCache(mirror, signed && options.verify ? { verifySpec: specVerifier(options.trustedKeys) } : {});
    if (options.spack && cache.layout !== options.spack.buildCacheLayout) {
      throw new PaksError('spack', `${where} holds images written by ${spackForLayout(cache.layout)} (build-cache layout v${cache.layout}), which this Spack ${options.spack.version} cannot install`, {
        hint: `Rebuild it with Spack ${options.spack.version} (paks build --push), or install it with ${spackForLayout(cache.layout)}.`,
      });
    }
    await verifyTarballs(cache);
    const cachedRoot = cache.specs.find((s) => s.hash === rootNode.hash);
    if (!cachedRoot) throw new PaksError('integrity', `the spec of ${options.name} from ${where} does not describe ${options.name}/${rootNode.hash.slice(0, 7)}`);
    const rootSpecFile = join(dir, `${cachedRoot.name}-${cachedRoot.hash}.spec.json`);
    await writeFile(rootSpecFile, JSON.stringify(cachedRoot.document));
    return {
      found: {
        registry: options.base,
        reference: formatReference({ ...repo, digest: root.manifestDigest }),
        digest: root.manifestDigest,
        dir: mirror,
        cache,
        root: cachedRoot,
        rootSpecFile,
        signed,
        remove,
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * One image as a layout-v3 entry: the layer as its tarball blob and a spec manifest naming it.
 * Signed (a Paks referrer carries the clearsigned spec manifest): that manifest as written, and
 * the spec blob it names, fetched by digest from the same repository (the Paks artifact holds
 * it). Unsigned: the spec from the config, gzip'd, and a plain manifest (as an unsigned push
 * writes it, Spack 1.1 transcript 26).
 */
async function writeV3Entry(registry: RegistryClient, repo: Repository, mirror: string, image: ImageFacts, signedManifest: string | undefined): Promise<void> {
  const tarballSum = image.layer.digest.slice('sha256:'.length);
  const tarball = join(mirror, blobPath(tarballSum));
  await mkdir(dirname(tarball), { recursive: true });
  await promised(`the layer ${image.layer.digest} of ${spackImageTag(image.node)}`, () => registry.fetchBlobToFile(repo, image.layer, tarball));
  await mkdir(join(mirror, 'v3'), { recursive: true });
  await writeFile(join(mirror, LAYOUT_FILE), JSON.stringify({ signing: 'gpg' }));
  const manifestFile = join(mirror, specManifestPath(image.node));
  await mkdir(dirname(manifestFile), { recursive: true });
  if (signedManifest) {
    // The signature is checked when the mirror is read; here only where the spec blob is.
    const rel = specManifestPath(image.node);
    const manifest = parseManifest(isClearsigned(signedManifest) ? signedSpecPayload(signedManifest, rel) : signedManifest, rel);
    const spec = blobOf(manifest, MEDIA_TYPE.spec, rel);
    const specFile = join(mirror, blobPath(spec.checksum));
    await mkdir(dirname(specFile), { recursive: true });
    const descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${spec.checksum}`, size: spec.contentLength };
    await promised(`the spec blob ${descriptor.digest} of ${spackImageTag(image.node)}`, () => registry.fetchBlobToFile(repo, descriptor, specFile));
    await writeFile(manifestFile, signedManifest);
    return;
  }
  const specBlob = gzipSync(Buffer.from(JSON.stringify({ spec: image.config.spec, buildcache_layout_version: 2 })));
  const specSum = createHash('sha256').update(specBlob).digest('hex');
  await mkdir(dirname(join(mirror, blobPath(specSum))), { recursive: true });
  await writeFile(join(mirror, blobPath(specSum)), specBlob);
  const entry = (mediaType: string, checksum: string, contentLength: number) => ({ contentLength, mediaType, compression: 'gzip', checksumAlgorithm: 'sha256', checksum });
  await writeFile(manifestFile, JSON.stringify({ version: 3, data: [entry(MEDIA_TYPE.tarball, tarballSum, image.layer.size), entry(MEDIA_TYPE.spec, specSum, specBlob.length)] }));
}

function sameRegistry(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  return norm(b) === norm(a) || norm(b).startsWith(`${norm(a)}/`);
}
