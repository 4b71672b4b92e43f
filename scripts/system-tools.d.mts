export interface SystemTool {
  /** The executable looked up on PATH. */
  command: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** What Paks or its tests use it for (part of a sentence). */
  usedFor: string;
  /** 'paks': a feature uses it (paks doctor reports it); 'tests': only the tests do. */
  neededBy: 'paks' | 'tests';
}

export declare const systemTools: readonly SystemTool[];
export declare function aptInstallLine(packages: readonly string[], options?: { root?: boolean }): string;
