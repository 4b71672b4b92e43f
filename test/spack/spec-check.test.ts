// The hand checks that read Spack's spec JSON without zod (spec-check.ts) against the schemas:
// they read recorded output exactly as the schemas do, and never accept what a schema refuses.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { checkFoundNodes, checkSpecDocument, parseFoundNodes } from '../../src/spack/spec-check.js';
import { FindOutputSchema, parseFindOutput, parseSpecDocument, SpecDocumentSchema } from '../../src/spack/spec-json.js';
import { PaksError } from '../../src/errors.js';

const fixture = (path: string) => readFile(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
/** The stdout section of a recorded transcript. */
const transcriptStdout = (text: string) => text.split('### stdout\n')[1]!.split('### stderr')[0]!;

async function recordedFindOutputs(): Promise<Array<[string, string]>> {
  return [
    ['0.23 fixture', await fixture('buildcache/spack-find.json')],
    ['1.1 fixture', await fixture('spack-1.1/find-json.json')],
    ['0.23 transcript 14', transcriptStdout(await fixture('spack/transcripts/14-find-json.txt'))],
    ['1.1 transcript 14', transcriptStdout(await fixture('spack-1.1/transcripts/14-find-json.txt'))],
  ];
}

async function recordedSpecDocuments(): Promise<Array<[string, string]>> {
  return [
    ['0.23 build cache spec file', await fixture('buildcache/unsigned/build_cache/linux-debian12-icelake-gcc-12.2.0-greet-paks-1.0.0-eus5xxlme3e4olqwzmc6dk5dp6hopdrj.spec.json')],
    ['0.23 spack spec --json', await fixture('buildcache/spec-hello-paks.json')],
    ['1.1 spec file', await fixture('spec/spack-1.1-greet-paks.spec.json')],
  ];
}

test('recorded find --json output and spec files of both releases read as the schemas read them, without the schemas', async () => {
  for (const [name, text] of await recordedFindOutputs()) {
    const checked = checkFoundNodes(text);
    assert.ok(checked, `${name}: the hand check takes it`);
    assert.ok(checked.length > 0, name);
    assert.deepEqual(checked, parseFindOutput(text), name);
  }
  for (const [name, text] of await recordedSpecDocuments()) {
    const checked = checkSpecDocument(text);
    assert.ok(checked, `${name}: the hand check takes it`);
    assert.deepEqual(checked, SpecDocumentSchema.parse(JSON.parse(text)), name);
  }
});

/** Every place in a value, as a path of keys, objects and arrays included. */
function paths(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [at];
  const inner = Object.entries(value).flatMap(([key, child]) => paths(child, [...at, Array.isArray(value) ? Number(key) : key]));
  return [at, ...inner];
}

function replaced(root: unknown, path: Array<string | number>, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value !== undefined) parent[last] = value;
  else if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return copy;
}

const STRANGE = [undefined, null, 0, 1.5, 2 ** 60, true, '', 'x', '..', 'a/b', 'has space', 'a'.repeat(32), 'A'.repeat(32), [], ['x'], ['build'], ['nonsense'], [1], {}, { name: 'x' }];

/**
 * Every place of `sample` replaced by each strange value: where the schema refuses the result,
 * the check must too; where both take it, they must read the same.
 */
function compareOnMutations(name: string, sample: unknown, schema: { safeParse(value: unknown): { success: boolean; data?: unknown } }, check: (text: string) => unknown): number {
  let refused = 0;
  for (const path of paths(sample)) {
    if (path.length === 0) continue;
    for (const value of STRANGE) {
      const mutated = replaced(sample, path, value);
      const bySchema = schema.safeParse(structuredClone(mutated));
      const checked = check(JSON.stringify(mutated));
      const where = `${name}: ${path.join('.')} = ${JSON.stringify(value)}`;
      if (!bySchema.success) {
        assert.equal(checked, undefined, `${where}: the schema refuses it, the hand check took it`);
        refused++;
      } else if (checked) {
        assert.deepEqual(checked, bySchema.data, where);
      }
    }
  }
  return refused;
}

test('the hand checks refuse whatever the schemas refuse, and read the rest as the schemas do', async () => {
  let refused = 0;
  for (const [name, text] of (await recordedFindOutputs()).slice(0, 2)) {
    for (const node of JSON.parse(text) as unknown[]) refused += compareOnMutations(name, [node], FindOutputSchema, checkFoundNodes);
  }
  for (const [name, text] of (await recordedSpecDocuments()).filter(([name]) => name !== '0.23 spack spec --json')) {
    const document = JSON.parse(text) as { spec: { nodes: unknown[] } };
    // The document's own fields, with its first node; every node is mutated through find --json above.
    refused += compareOnMutations(name, { ...document, spec: { ...document.spec, nodes: document.spec.nodes.slice(0, 1) } }, SpecDocumentSchema, checkSpecDocument);
  }
  assert.ok(refused > 1000, `mutations the schemas refused: ${refused}`);
});

test('output the hand check is unsure of gets the schema: its value, or its one clear error', async () => {
  // Not a list, not JSON, a bad hash: the same PaksError as before the hand check.
  await assert.rejects(parseFoundNodes('{"name": "x"}'), (error: unknown) => error instanceof PaksError && /spack find --json output is not a list of Spack specs/.test(error.message));
  await assert.rejects(parseFoundNodes('[{"name"'), (error: unknown) => error instanceof PaksError && /spack find --json output is not valid JSON/.test(error.message));
  const [first] = JSON.parse(await fixture('buildcache/spack-find.json')) as Array<Record<string, unknown>>;
  await assert.rejects(parseFoundNodes(JSON.stringify([{ ...first, hash: 'NOT-A-HASH' }])), (error: unknown) => error instanceof PaksError && /hash/.test(error.message));
  assert.throws(() => parseSpecDocument(JSON.stringify({ spec: { _meta: { version: 4 }, nodes: [] } }), 'x.spec.json'), (error: unknown) => error instanceof PaksError && /x\.spec\.json is not a Spack spec document/.test(error.message));
  // A key the check leaves to the schema: read by the schema, as before.
  const odd = JSON.stringify([{ ...first, parameters: JSON.parse('{"__proto__": {"x": 1}, "shared": true}') }]);
  assert.equal(checkFoundNodes(odd), undefined);
  assert.deepEqual(await parseFoundNodes(odd), parseFindOutput(odd));
});
