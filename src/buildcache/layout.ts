/**
 * Where a binary lives in a build cache of layout v2 (Spack 0.23 and older), relative to the
 * mirror root, with `/` separators:
 *   build_cache/<platform>-<os>-<target>-<compiler>-<cver>-<name>-<version>-<hash>.spec.json[.sig]
 *   build_cache/<platform>-<os>-<target>/<compiler>-<cver>/<name>-<version>/<same stem>.spack
 */
import { posix } from 'node:path';
import { PaksError } from '../errors.js';
import { compilerLabel, targetName, type SpecNode } from '../spack/spec-json.js';
import { compilerOf, nodesByHash } from '../spec/compiler.js';
import { libcOf, type LibcNode } from '../spec/libc.js';

export const BUILD_CACHE_DIR = 'build_cache';
export const SIGNED_SPEC_SUFFIX = '.spec.json.sig';
export const UNSIGNED_SPEC_SUFFIX = '.spec.json';
export const TARBALL_SUFFIX = '.spack';

/** What identifies one binary: the fields paths, tags and annotations are made from. */
export interface BinaryIdentity {
  name: string;
  version: string;
  hash: string;
  arch: { platform: string; os: string; target: string };
  compiler?: { name: string; version: string };
  /** The libc it links against; `null` when its DAG has none; absent when the DAG was not given. */
  libc?: LibcNode | null;
}

/** `nodes`: the spec's DAG, where Spack 1.x keeps the compiler (as a dependency). */
export function binaryIdentity(node: SpecNode, nodes: readonly SpecNode[] = [node]): BinaryIdentity {
  const identity: BinaryIdentity = {
    name: node.name,
    version: node.version,
    hash: node.hash,
    arch: { platform: node.arch.platform, os: node.arch.platform_os, target: targetName(node.arch) },
  };
  const byHash = nodesByHash(nodes);
  const compiler = compilerOf(node, byHash);
  if (compiler) identity.compiler = compiler;
  const libc = libcOf(node, byHash);
  if (libc) identity.libc = libc;
  else if (node.dependencies.every((d) => byHash.has(d.hash))) identity.libc = null;
  return identity;
}

/** `linux-debian12-icelake`, Spack's architecture string. */
export function archString(id: BinaryIdentity): string {
  return `${id.arch.platform}-${id.arch.os}-${id.arch.target}`;
}

/** `greet-paks@1.0.0%gcc@12.2.0 arch=linux-debian12-icelake /eus5xxl`, for messages. */
export function describeBinary(id: BinaryIdentity): string {
  const compiler = compilerLabel(id.compiler);
  return `${id.name}@${id.version}${compiler ? `%${compiler}` : ''} arch=${archString(id)} /${id.hash.slice(0, 7)}`;
}

function requireCompiler(id: BinaryIdentity): { name: string; version: string } {
  if (!id.compiler) {
    throw new PaksError(
      'spack',
      `${id.name}@${id.version} /${id.hash.slice(0, 7)} has no compiler in its spec, so it has no place in a layout v2 build cache`,
      { hint: 'Spack 1.x specs belong in a build cache of layout v3, which Spack 1.x writes.' },
    );
  }
  return id.compiler;
}

/** The file name without suffix shared by the spec file and the tarball. */
export function specStem(id: BinaryIdentity): string {
  const compiler = requireCompiler(id);
  return `${archString(id)}-${compiler.name}-${compiler.version}-${id.name}-${id.version}-${id.hash}`;
}

export function specFilePath(id: BinaryIdentity, signed: boolean): string {
  return posix.join(BUILD_CACHE_DIR, specStem(id) + (signed ? SIGNED_SPEC_SUFFIX : UNSIGNED_SPEC_SUFFIX));
}

export function tarballPath(id: BinaryIdentity): string {
  const compiler = requireCompiler(id);
  return posix.join(
    BUILD_CACHE_DIR,
    archString(id),
    `${compiler.name}-${compiler.version}`,
    `${id.name}-${id.version}`,
    specStem(id) + TARBALL_SUFFIX,
  );
}
