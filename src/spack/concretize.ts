import type { SpackRunner } from './runner.js';
import { checkSpecArguments } from './runner.js';
import { parseSpecDocument } from './spec-json.js';

export interface ConcreteRoot {
  name: string;
  version: string;
  hash: string;
}

/**
 * What `spack install --fresh-roots SPEC` would build, without building it: `spack spec
 * --json --fresh-roots` in the same scopes gives the same concretization and so the same hash.
 */
export async function concretizeFreshRoot(spack: SpackRunner, spec: string): Promise<ConcreteRoot> {
  const [checked] = checkSpecArguments([spec]);
  const result = await spack.run(['spec', '--json', '--fresh-roots', checked!], { doing: `concretize ${spec}` });
  const document = parseSpecDocument(result.stdout.split('\n').find((line) => line.trim())!, `spack spec --json ${spec}`);
  const root = document.spec.nodes[0]!;
  return { name: root.name, version: root.version, hash: root.hash };
}
