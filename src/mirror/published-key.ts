/**
 * The public keys a Spack mirror publishes: layout v3 names each in a key manifest
 * (`v3/manifests/key/<FPR>.key.manifest.json` → a blob checked against its digest), layout
 * v2 keeps them in `build_cache/_pgp/<FPR>.pub`. Finding a key here trusts nothing: the
 * caller checks its fingerprint.
 */
import { createHash } from 'node:crypto';
import { PaksError } from '../errors.js';
import { KEY_MANIFEST_DIR, MEDIA_TYPE, blobOf, blobPath, parseManifest } from '../buildcache/layout-v3.js';
import { BUILD_CACHE_DIR } from '../buildcache/layout.js';
import { displayUrl, type UrlFetcher } from '../http/fetch-url.js';
import { describeMirror, mirrorFile, parseMirror, type MirrorLocation } from './location.js';

export const MAX_MANIFEST_BYTES = 1024 * 1024;
export const MAX_KEY_BYTES = 1024 * 1024;
const KEY_MANIFEST_SUFFIX = '.key.manifest.json';

export interface PublishedKey {
  data: Buffer;
  /** Where it came from, for messages. */
  source: string;
}

export function keyManifestPath(fingerprint: string): string {
  return `${KEY_MANIFEST_DIR}/${fingerprint}${KEY_MANIFEST_SUFFIX}`;
}

/** The key `fingerprint` as the mirror publishes it (v3 first, then v2), or undefined. */
export async function fetchPublishedKey(fetcher: UrlFetcher, mirror: MirrorLocation, fingerprint: string): Promise<PublishedKey | undefined> {
  const manifestUrl = mirrorFile(mirror, keyManifestPath(fingerprint));
  const v3 = await fetcher.bytes(manifestUrl, { maxBytes: MAX_MANIFEST_BYTES });
  if (v3) return keyFromManifest(fetcher, mirror, manifestUrl, v3);
  const v2Url = mirrorFile(mirror, `${BUILD_CACHE_DIR}/_pgp/${fingerprint}.pub`);
  const v2 = await fetcher.bytes(v2Url, { maxBytes: MAX_KEY_BYTES });
  return v2 ? { data: v2, source: displayUrl(v2Url) } : undefined;
}

/**
 * A key given by URL: a layout-v3 key manifest (its blob is fetched from the same mirror and
 * checked), a mirror's root (ending in `/`: the key `fingerprint` it publishes), or the key itself.
 */
export async function fetchKeyAt(fetcher: UrlFetcher, url: URL, fingerprint: string): Promise<PublishedKey> {
  const where = displayUrl(url);
  if (url.pathname.endsWith('/')) {
    const mirror = parseMirror(url.href);
    const key = await fetchPublishedKey(fetcher, mirror, fingerprint);
    if (!key) throw new PaksError('not-found', `The mirror ${describeMirror(mirror)} publishes no key ${fingerprint} (neither ${keyManifestPath(fingerprint)} nor ${BUILD_CACHE_DIR}/_pgp/${fingerprint}.pub).`);
    return key;
  }
  const data = await fetcher.bytes(url, { maxBytes: MAX_KEY_BYTES });
  if (!data) throw new PaksError('not-found', `${where} was not found.`);
  if (url.pathname.endsWith(KEY_MANIFEST_SUFFIX)) {
    const at = url.pathname.lastIndexOf(`/${KEY_MANIFEST_DIR}/`);
    if (at < 0) throw new PaksError('usage', `${where} is a key manifest outside a mirror's ${KEY_MANIFEST_DIR}/; Paks cannot tell where its blob is.`);
    const root = new URL(url.href);
    root.pathname = url.pathname.slice(0, at + 1);
    return keyFromManifest(fetcher, parseMirror(root.href), url, data);
  }
  return { data, source: where };
}

async function keyFromManifest(fetcher: UrlFetcher, mirror: MirrorLocation, manifestUrl: URL, text: Buffer): Promise<PublishedKey> {
  const where = displayUrl(manifestUrl);
  const record = blobOf(parseManifest(text.toString('utf8'), where), MEDIA_TYPE.key, where);
  const blobUrl = mirrorFile(mirror, blobPath(record.checksum));
  const data = await fetcher.bytes(blobUrl, { maxBytes: Math.min(MAX_KEY_BYTES, record.contentLength) });
  if (!data) throw new PaksError('not-found', `${where} names the key blob ${displayUrl(blobUrl)}, which the mirror does not have.`);
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (sha256 !== record.checksum) {
    throw new PaksError('integrity', `The key blob ${displayUrl(blobUrl)} has sha256 ${sha256}, not the ${record.checksum} its manifest ${where} gives.`);
  }
  return { data, source: where };
}
