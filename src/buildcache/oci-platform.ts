/** How a Spack binary is described to an OCI registry: its platform and Paks' annotations. */
import { PaksError } from '../errors.js';
import { compilerLabel } from '../spack/spec-json.js';
import type { BinaryIdentity } from './layout.js';
import { libcLabel } from '../spec/libc.js';
import { genericTarget, targetFamily } from './target-compatibility.js';

export interface OciPlatform {
  os: string;
  architecture: string;
}

/** Spack target families to OCI (GOARCH) architecture names. */
const FAMILY_TO_ARCHITECTURE: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  x86: '386',
  aarch64: 'arm64',
  arm: 'arm',
  ppc64le: 'ppc64le',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  sparc64: 'sparc64',
};

/** Spack platforms to OCI (GOOS) names; `cray` was Spack's name for Cray's Linux. */
const PLATFORM_TO_OS: Readonly<Record<string, string>> = {
  linux: 'linux',
  cray: 'linux',
  darwin: 'darwin',
  windows: 'windows',
  freebsd: 'freebsd',
};

/** The OCI architecture of a Spack target (icelake → amd64), or undefined when its family is unknown. */
export function ociArchitectureOf(target: string, targetParents: readonly string[] = []): string | undefined {
  const family = targetFamily(target, targetParents);
  return family ? FAMILY_TO_ARCHITECTURE[family] : undefined;
}

export function ociPlatform(id: BinaryIdentity, targetParents: readonly string[] = []): OciPlatform {
  const os = PLATFORM_TO_OS[id.arch.platform];
  if (!os) {
    throw new PaksError('usage', `Spack platform "${id.arch.platform}" has no OCI equivalent that Paks knows`);
  }
  const architecture = ociArchitectureOf(id.arch.target, targetParents);
  if (!architecture) {
    throw new PaksError('usage', `Spack target "${id.arch.target}" belongs to no CPU family Paks can name for OCI`, {
      hint: 'Known families: ' + Object.keys(FAMILY_TO_ARCHITECTURE).join(', ') + '.',
    });
  }
  return { os, architecture };
}

export const ANNOTATION_PREFIX = 'dev.paks.spack.';

/** `dev.paks.spack.*` annotations: what OCI's platform cannot say about a Spack binary. */
export function spackAnnotations(id: BinaryIdentity, targetParents: readonly string[] = []): Record<string, string> {
  const annotations: Record<string, string> = {
    [`${ANNOTATION_PREFIX}name`]: id.name,
    [`${ANNOTATION_PREFIX}version`]: id.version,
    [`${ANNOTATION_PREFIX}hash`]: id.hash,
    [`${ANNOTATION_PREFIX}os`]: id.arch.os,
    [`${ANNOTATION_PREFIX}target`]: id.arch.target,
  };
  const compiler = compilerLabel(id.compiler);
  if (compiler) annotations[`${ANNOTATION_PREFIX}compiler`] = compiler;
  // What it runs on, so an install chooses without downloading a spec (docs/artifact-format.md).
  annotations[`${ANNOTATION_PREFIX}target-family`] = genericTarget(id.arch.target, targetParents);
  if (id.libc) {
    annotations[`${ANNOTATION_PREFIX}libc`] = libcLabel(id.libc);
    if (id.libc.prefix) annotations[`${ANNOTATION_PREFIX}libc-prefix`] = id.libc.prefix;
  } else if (id.libc === null) {
    annotations[`${ANNOTATION_PREFIX}libc`] = 'none';
  }
  return annotations;
}
