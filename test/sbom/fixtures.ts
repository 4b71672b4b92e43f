import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseSpecDocument, type SpecDocument } from '../../src/spack/spec-json.js';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/buildcache/${path}`, import.meta.url));

export const GREET_STEM = 'linux-debian12-icelake-gcc-12.2.0-greet-paks-1.0.0-eus5xxlme3e4olqwzmc6dk5dp6hopdrj';
export const readFixture = (path: string) => readFile(fixture(path), 'utf8');

/** greet-paks 1.0.0 from the recorded unsigned build cache. */
export async function greetDocument(): Promise<SpecDocument> {
  return parseSpecDocument(await readFixture(`unsigned/build_cache/${GREET_STEM}.spec.json`));
}

/** hello-paks 1.1.0 from `spack spec --json hello-paks`. */
export async function helloDocument(): Promise<SpecDocument> {
  return parseSpecDocument(await readFixture('spec-hello-paks.json'));
}

const arch = { platform: 'linux', platform_os: 'rhel9', target: { name: 'zen3', parents: ['zen2'] } };
const compiler = { name: 'gcc', version: '13.2.0' };
const h = (c: string) => c.repeat(32);

/** A hand-made DAG with variants, an external, and every dependency type. */
export function richDocument(): SpecDocument {
  return parseSpecDocument(
    JSON.stringify({
      spec: {
        _meta: { version: 4 },
        nodes: [
          {
            name: 'app', version: '2.0+local', arch, compiler, namespace: 'builtin', hash: h('a'),
            parameters: { mpi: true, precision: ['double', 'single'], build_type: 'Release', cflags: ['-O3'], cxxflags: [] },
            package_hash: 'pkghashapp====',
            dependencies: [
              { name: 'mpich', hash: h('b'), parameters: { deptypes: ['build', 'link'], virtuals: ['mpi'] } },
              { name: 'cmake', hash: h('c'), parameters: { deptypes: ['build'], virtuals: [] } },
              { name: 'python', hash: h('d'), parameters: { deptypes: ['run'], virtuals: [] } },
              { name: 'pytest', hash: h('e'), parameters: { deptypes: ['test'], virtuals: [] } },
            ],
          },
          { name: 'mpich', version: '4.1', arch, compiler, hash: h('b'), dependencies: [{ name: 'zlib', hash: h('f'), parameters: { deptypes: ['link'], virtuals: [] } }] },
          { name: 'cmake', version: '3.27', arch, compiler, hash: h('c'), external: { path: '/usr', module: null, extra_attributes: {} }, patches: ['abc123'], parameters: { patches: ['abc123'] } },
          { name: 'python', version: '3.11', arch, compiler, hash: h('d'), dependencies: [{ name: 'zlib', hash: h('f'), parameters: { deptypes: ['link'], virtuals: [] } }] },
          { name: 'pytest', version: '8.0', arch, compiler, hash: h('e') },
          { name: 'zlib', version: '1.3', arch, compiler, hash: h('f') },
        ],
      },
    }),
  );
}
