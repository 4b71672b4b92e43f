// A node's compiler (0.23: on the node; 1.x: the dependency providing c/cxx/fortran) is
// read in one place, src/spec/compiler.ts, for list, SBOM, layout and satisfaction alike.

/**
 * Compilers in `spack compiler list`: 0.23 prints `gcc@12.2.0` lines, 1.x prints them as
 * externals, `[e]  gcc@12.2.0`, under the same `-- gcc debian12-x86_64 ---` headers.
 */
export function parseCompilerList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim().replace(/^\[[a-z+\-]\]\s+/, ''))
    .filter((line) => /^[A-Za-z][\w.-]*@\S+$/.test(line));
}
