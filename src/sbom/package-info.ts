/** What Paks may know about a package beyond its spec: from `spack info` or a package file. */
export interface PackageInfo {
  homepage?: string;
  /** Source archive URL of this version. */
  url?: string;
  /** sha256 of that source archive. */
  sha256?: string;
  /** SPDX licence expression, e.g. `MIT` or `Apache-2.0 OR MIT`. */
  license?: string;
}

/** Package name to what is known about it. */
export type PackageInfoByName = Readonly<Record<string, PackageInfo>>;

/** Is `text` a plausible SPDX licence expression (ids, LicenseRef-..., AND/OR/WITH, parentheses)? */
export function isSpdxExpression(text: string): boolean {
  const tokens = text.replace(/[()]/g, ' ').trim().split(/\s+/);
  if (tokens.length === 0 || tokens[0] === '') return false;
  return tokens.every((token, i) =>
    i % 2 === 1
      ? token === 'AND' || token === 'OR' || token === 'WITH'
      : /^(?:(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.-]*\+?)$/.test(token),
  ) && tokens.length % 2 === 1;
}
