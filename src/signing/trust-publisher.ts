/**
 * `paks key trust SOURCE`: a key file, a URL (https:// or file://: a key, a mirror's key
 * manifest, or a mirror's root) with the fingerprint the user expects, or a publisher Paks
 * knows by name (`spack`, `e4s`), fetched from the configured mirrors or the publisher's own
 * URL. A key is stored only when its fingerprint is the expected one.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import { parseSourceUrl } from '../http/fetch-url.js';
import { fetchKeyAt, fetchPublishedKey, type PublishedKey } from '../mirror/published-key.js';
import { describeMirror, parseMirror } from '../mirror/location.js';
import { KNOWN_PUBLISHERS, knownPublisher, parseFingerprint } from '../trust/publishers.js';
import { trustKeyData, trustKeyFile, type TrustResult } from '../trust/trusted-keys.js';

export interface TrustOptions {
  /** The fingerprint the key must have: required for URLs, checked for files and names. */
  fingerprint?: string | undefined;
}

export async function trustPublisher(client: PaksClient, source: string, options: TrustOptions = {}): Promise<TrustResult> {
  const expected = options.fingerprint === undefined ? undefined : parseFingerprint(options.fingerprint);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    const url = parseSourceUrl(source, 'The key URL');
    if (!expected) {
      throw new PaksError('usage', `Trusting a key from ${source} needs the fingerprint you expect it to have (--fingerprint), so a key replaced on the way is refused.`, {
        hint: `Known publishers need none: ${KNOWN_PUBLISHERS.map((p) => `paks key trust ${p.name}`).join(', ')}.`,
      });
    }
    const fetcher = await client.urlFetcher();
    try {
      const key = await fetchKeyAt(fetcher, url, expected);
      return await trustKeyData(client.home, key.data, key.source, expected);
    } finally {
      fetcher.close();
    }
  }
  const file = resolve(client.cwd, source);
  const isFile = await access(file).then(() => true, () => false);
  const publisher = isFile ? undefined : knownPublisher(source);
  if (!publisher) return trustKeyFile(client.home, file, expected);
  if (expected && expected !== publisher.fingerprint) {
    throw new PaksError('usage', `${publisher.name}'s key has fingerprint ${publisher.fingerprint}, not ${expected}; Paks did not trust anything.`);
  }
  const key = await fetchPublisherKey(client, publisher);
  return trustKeyData(client.home, key.data, key.source, publisher.fingerprint);
}

/** From the first configured mirror that publishes it, else from the publisher's URL. */
async function fetchPublisherKey(client: PaksClient, publisher: (typeof KNOWN_PUBLISHERS)[number]): Promise<PublishedKey> {
  const fetcher = await client.urlFetcher();
  const tried: string[] = [];
  try {
    for (const entry of client.values.trusted_mirrors) {
      const mirror = parseMirror(entry);
      try {
        const key = await fetchPublishedKey(fetcher, mirror, publisher.fingerprint);
        if (key) return key;
        tried.push(`${describeMirror(mirror)} does not publish it`);
      } catch (error) {
        if (error instanceof PaksError && error.kind === 'integrity') throw error;
        tried.push(`${describeMirror(mirror)}: ${describeError(error).replace(/\.$/, '')}`);
      }
    }
    try {
      const key = await fetchKeyAt(fetcher, new URL(publisher.url), publisher.fingerprint);
      return key;
    } catch (error) {
      tried.push(`${publisher.url}: ${describeError(error).replace(/\.$/, '')}`);
    }
  } finally {
    fetcher.close();
  }
  throw new PaksError('network', `Could not fetch the key of ${publisher.owner} (${publisher.fingerprint}): ${tried.join('; ')}.`, {
    hint: 'Add a mirror that publishes it to trusted_mirrors, or download the key yourself and run `paks key trust FILE --fingerprint FPR`.',
  });
}
