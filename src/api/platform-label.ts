/** Platforms as users think of them: "Linux x86_64 (x86_64_v3+, glibc ≥ 2.28)", not "linux/amd64". */

const OS_NAMES: Record<string, string> = { linux: 'Linux', darwin: 'macOS', windows: 'Windows', freebsd: 'FreeBSD' };
const ARCHITECTURES: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', '386': 'i686', ppc64le: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export interface PlatformFacts {
  os: string;
  architecture: string;
  /** Spack's target (microarchitecture) the binary was built for: it runs there and on newer. */
  target?: string | null | undefined;
  /** e.g. glibc, musl. */
  libc?: string | null | undefined;
  libcVersion?: string | null | undefined;
}

export function platformLabel(platform: PlatformFacts): string {
  const os = OS_NAMES[platform.os] ?? platform.os;
  const architecture = ARCHITECTURES[platform.architecture] ?? platform.architecture;
  const needs: string[] = [];
  if (platform.target && platform.target !== architecture) needs.push(`${platform.target}+`);
  if (platform.libc) needs.push(platform.libcVersion ? `${platform.libc} ≥ ${platform.libcVersion}` : platform.libc);
  return `${os} ${architecture}${needs.length ? ` (${needs.join(', ')})` : ''}`;
}
