/** `paks container SPEC`: a runnable image of an installed spec, made from a fresh build cache of its closure. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import type { ImageReference } from '../oci/reference.js';
import type { PushedContainer } from './push-container.js';

export interface ContainerRequest {
  baseImage: string;
  target: ImageReference;
  entrypoint?: string | undefined;
  tags?: readonly string[];
  plainHttp?: boolean | undefined;
}

/** For the spec's name/version/hash, a cache already made (paks build) or one made here. */
export async function containerOfInstalled(client: PaksClient, spec: string, request: ContainerRequest): Promise<PushedContainer> {
  const spack = await client.spack();
  const { findInstalled } = await import('../spack/installed.js');
  const matches = (await findInstalled(spack, [spec])).filter((s) => !s.external);
  if (matches.length === 0) throw new PaksError('not-found', `${spec} is not installed.`, { hint: `Install it first: paks install ${spec}` });
  if (matches.length > 1) {
    throw new PaksError('usage', `${matches.length} installed specs match ${spec} (${matches.map((m) => `${m.name}@${m.version}/${m.hash.slice(0, 7)}`).join(', ')}).`, { hint: 'Name one, e.g. with its hash: /abcdefg' });
  }
  const root = matches[0]!;
  const dir = await mkdtemp(join(tmpdir(), `paks-container-${root.name}-`));
  try {
    const { spackBuildcachePush } = await import('../build/cache.js');
    await spackBuildcachePush(spack, dir, { ...root, spec, prefix: root.prefix ?? '', origin: { kind: 'source' }, seconds: 0 }, {});
    const { writeCacheSboms, packageInfoFromSpack } = await import('../sbom/generate.js');
    await writeCacheSboms(spack, dir);
    const { readBuildCache } = await import('../buildcache/read-build-cache.js');
    const cache = await readBuildCache(dir);
    const nodes = cache.specs.find((s) => s.hash === root.hash)?.document.spec.nodes ?? [];
    const info = await packageInfoFromSpack(spack, nodes).catch(() => ({}) as Record<string, { license?: string }>);
    return await pushBuilt(client, cache, root.hash, request, info[root.name]?.license);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Pushes the container of `rootHash` from a build cache that holds its closure. */
export async function pushBuilt(
  client: PaksClient,
  cache: import('../buildcache/read-build-cache.js').BuildCache,
  rootHash: string,
  request: ContainerRequest,
  licenses?: string,
): Promise<PushedContainer> {
  const { pushContainer } = await import('./push-container.js');
  const registry = await client.registryClient({ plainHttp: request.plainHttp });
  const env = client.env;
  try {
    return await pushContainer({
      registry,
      cache,
      rootHash,
      baseImage: request.baseImage,
      target: request.target,
      entrypoint: request.entrypoint,
      defaultTag: client.values.default_tag,
      extraTags: request.tags ?? [],
      labels: {
        source: env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : undefined,
        revision: env.GITHUB_SHA,
        licenses,
      },
      reporter: client.reporter,
    });
  } finally {
    await registry.close();
  }
}
