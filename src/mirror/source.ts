/**
 * Spack mirrors over https:// and file:// as a binary source for `paks install`. Each mirror
 * is read in the build-cache layout this Spack installs (v3 for Spack 1.x, v2 for 0.23): its
 * index (cached, see index-cache.ts) names candidates, and the first candidate whose signed
 * spec checks out and satisfies the request is fetched and verified (fetch-binary.ts).
 */
import type { PaksClient } from '../client.js';
import { PaksError, describeError } from '../errors.js';
import type { Reporter } from '../ui/reporter.js';
import type { UrlFetcher } from '../http/fetch-url.js';
import type { BinarySource } from '../install/binary-source.js';
import type { BinaryLookup, LookupOptions } from '../install/binary.js';
import { spackForLayout } from '../spack/dialect/index.js';
import { candidatesFromIndex } from './candidates.js';
import { fetchVerifiedBinary } from './fetch-binary.js';
import { loadMirrorIndex, type IndexCacheOptions, type LoadedIndex } from './index-cache.js';
import { layoutFor } from './layouts.js';
import { describeMirror, looksLikeMirror, parseMirror, type MirrorLocation } from './location.js';

/** Candidates tried per mirror before Paks moves on (each costs a signed-spec fetch). */
const MAX_CANDIDATES = 8;

export interface MirrorSourceOptions extends IndexCacheOptions {
  fetcher: UrlFetcher;
  /** Told when an index is downloaded or refreshed. */
  onIndex?: (mirror: string, loaded: LoadedIndex) => void;
}

export function createMirrorSource(options: MirrorSourceOptions): BinarySource {
  // One index load per mirror and layout for all the specs of one install.
  const indexes = new Map<string, Promise<LoadedIndex | undefined>>();
  const indexOf = (mirror: MirrorLocation, layout: 2 | 3) => {
    const key = `${layout} ${mirror.root.href}`;
    let loading = indexes.get(key);
    if (!loading) {
      loading = loadMirrorIndex(options.fetcher, mirror, layoutFor(layout), options).then((loaded) => {
        if (loaded) options.onIndex?.(describeMirror(mirror), loaded);
        return loaded;
      });
      indexes.set(key, loading);
    }
    return loading;
  };

  return {
    kind: 'Spack mirror',
    matches: looksLikeMirror,
    async lookup(locations, lookupOptions) {
      const reasons: string[] = [];
      for (const location of locations) {
        const found = await lookupIn(location, lookupOptions, reasons);
        if (found) return found;
      }
      return { reasons };
    },
    async close() {
      options.fetcher.close();
    },
  };

  async function lookupIn(location: string, lookup: Omit<LookupOptions, 'registries'>, reasons: string[]): Promise<BinaryLookup | undefined> {
    let mirror: MirrorLocation;
    try {
      mirror = parseMirror(location);
    } catch (error) {
      reasons.push(`${location}: ${describeError(error).replace(/\.$/, '')}`);
      return undefined;
    }
    const where = describeMirror(mirror);
    const layout = lookup.spack?.buildCacheLayout ?? 3;
    let loaded: LoadedIndex | undefined;
    try {
      loaded = await indexOf(mirror, layout);
    } catch (error) {
      // The index is unsigned, a hint only: a broken one makes the mirror unusable now, not the install.
      reasons.push(`${where}: ${describeError(error).replace(/\.$/, '')}`);
      return undefined;
    }
    if (!loaded) {
      const other = layout === 3 ? 2 : 3;
      const hasOther = await indexOf(mirror, other).then((l) => l !== undefined, () => false);
      reasons.push(hasOther
        ? `${where} holds build-cache layout v${other}, written by ${spackForLayout(other)}, which ${lookup.spack ? `this Spack ${lookup.spack.version}` : 'this Spack'} cannot install`
        : `${where} has no build-cache index (neither ${layoutFor(layout).indexPointer} nor ${layoutFor(other).indexPointer})`);
      return undefined;
    }
    const candidates = candidatesFromIndex(loaded.index, { name: lookup.name, spec: lookup.request?.spec, version: lookup.version }, lookup.host);
    if (candidates.length === 0) {
      reasons.push(`${where} has no ${lookup.name}${lookup.version ? `@${lookup.version}` : ''} for ${lookup.host.platform}-${lookup.host.os}-${lookup.host.target}`);
      return undefined;
    }
    const context = { fetcher: options.fetcher, mirror, layout: layoutFor(layout), trustedKeys: lookup.trustedKeys, verify: lookup.verify, request: lookup.request, host: lookup.host };
    for (const candidate of candidates.slice(0, MAX_CANDIDATES)) {
      try {
        const fetched = await fetchVerifiedBinary(context, candidate);
        if (fetched.found) {
          if (!lookup.verify) (lookup.reporter)?.warn(`--no-verify: installing ${lookup.name} from ${where} without checking signatures.`);
          return { found: fetched.found };
        }
        reasons.push(fetched.reason);
      } catch (error) {
        // A binary that fails verification is refused outright: never fall through to another copy silently.
        if (error instanceof PaksError && (error.kind === 'trust' || error.kind === 'integrity')) {
          throw new PaksError(error.kind, `Refusing the binary of ${lookup.name} from ${where}: ${describeError(error).replace(/\.$/, '')}.`, { hint: error.hint, cause: error });
        }
        reasons.push(`${where}: ${describeError(error).replace(/\.$/, '')}`);
      }
    }
    return undefined;
  }
}

/** The mirror source with this client's settings: its CA, cache folder and index TTL. */
export async function openMirrorSource(client: PaksClient, reporter: Reporter): Promise<BinarySource> {
  return createMirrorSource({
    fetcher: await client.urlFetcher(),
    cacheDir: client.path('cache_dir'),
    ttlMs: client.values.mirror_index_ttl * 1000,
    onIndex: (mirror, loaded) => {
      if (loaded.how === 'downloaded') reporter.info(`Read the index of ${mirror}: ${loaded.index.specs} binaries.`);
    },
  });
}
