/** Paths to the recorded Spack 0.23 build caches and a way to get a scratch copy of one. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/buildcache/', import.meta.url));
export const SIGNED_CACHE = join(FIXTURES, 'signed');
export const UNSIGNED_CACHE = join(FIXTURES, 'unsigned');
export const CACHE_KEY_FINGERPRINT = '07FBB82C9AB40B37396FFDFA24B7E59CCC304FFD';
export const CACHE_KEY_FILE = join(SIGNED_CACHE, 'build_cache', '_pgp', `${CACHE_KEY_FINGERPRINT}.pub`);
export const GREET_STEM = 'linux-debian12-icelake-gcc-12.2.0-greet-paks-1.0.0-eus5xxlme3e4olqwzmc6dk5dp6hopdrj';
export const HELLO_STEM = 'linux-debian12-icelake-gcc-12.2.0-hello-paks-1.1.0-v3txzpguqtrca4lvc5rmlzbkazgyeoku';

/** A writable copy of a fixture cache inside a fresh temporary folder (`dir/cache`). */
export async function scratchCopy(source: string): Promise<{ dir: string; cache: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'paks-bc-'));
  const cache = join(dir, 'cache');
  await cp(source, cache, { recursive: true });
  return { dir, cache, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The recorded Spack 1.1 signed file mirror (layout v3, metadata only; see the fixture README). */
export const V3_SIGNED_CACHE = join(FIXTURES, 'v3-signed');
export const V3_KEY_FINGERPRINT = '3691BEDD46702B7A9437CF3EBD405FA2A480F561';
export const V3_KEY_BLOB = join(V3_SIGNED_CACHE, 'blobs/sha256/34/34eb7fb08354fc7eadca8f005a15a3e98738805b3c821fd7d4cbf128248df916');
export const V3_GREET_MANIFEST = 'v3/manifests/spec/greet-paks/greet-paks-1.0.0-2i36ouybuqlq746bmzdayrr4hle6batk.spec.manifest.json';
