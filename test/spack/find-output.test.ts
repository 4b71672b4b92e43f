// The hand check that reads `spack find --json` for listing (without zod) against the schema:
// it reads recorded output exactly as the schema does, and never accepts what the schema refuses.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { checkFoundNodes, parseFoundNodes } from '../../src/spack/find-output.js';
import { FindOutputSchema, parseFindOutput } from '../../src/spack/spec-json.js';
import { PaksError } from '../../src/errors.js';

const fixture = (path: string) => readFile(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
/** The stdout section of a recorded transcript. */
const transcriptStdout = (text: string) => text.split('### stdout\n')[1]!.split('### stderr')[0]!;

async function recordedOutputs(): Promise<Array<[string, string]>> {
  return [
    ['0.23 fixture', await fixture('buildcache/spack-find.json')],
    ['1.1 fixture', await fixture('spack-1.1/find-json.json')],
    ['0.23 transcript 14', transcriptStdout(await fixture('spack/transcripts/14-find-json.txt'))],
    ['1.1 transcript 14', transcriptStdout(await fixture('spack-1.1/transcripts/14-find-json.txt'))],
  ];
}

test('recorded find --json output of both releases reads as the schema reads it, without the schema', async () => {
  for (const [name, text] of await recordedOutputs()) {
    const checked = checkFoundNodes(text);
    assert.ok(checked, `${name}: the hand check takes it`);
    assert.ok(checked.length > 0, name);
    assert.deepEqual(checked, parseFindOutput(text), name);
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

const STRANGE = [undefined, null, 0, 1.5, true, '', 'x', '..', 'a/b', 'has space', 'a'.repeat(32), 'A'.repeat(32), [], ['x'], ['build'], ['nonsense'], [1], {}, { name: 'x' }];

test('the hand check refuses whatever the schema refuses, and reads the rest as the schema does', async () => {
  const outputs = await recordedOutputs();
  let refused = 0;
  for (const [name, text] of outputs.slice(0, 2)) {
    for (const sample of JSON.parse(text) as unknown[]) {
      for (const path of paths(sample)) {
        if (path.length === 0) continue;
        for (const value of STRANGE) {
          const output = [replaced(sample, path, value)];
          const schema = FindOutputSchema.safeParse(structuredClone(output));
          const checked = checkFoundNodes(JSON.stringify(output));
          const where = `${name}: ${path.join('.')} = ${JSON.stringify(value)}`;
          if (!schema.success) {
            assert.equal(checked, undefined, `${where}: the schema refuses it, the hand check took it`);
            refused++;
          } else if (checked) {
            assert.deepEqual(checked, schema.data, where);
          }
        }
      }
    }
  }
  assert.ok(refused > 500, `mutations the schema refused: ${refused}`);
});

test('output the hand check is unsure of gets the schema: its nodes, or its one clear error', async () => {
  // Not a list, not JSON, a bad hash: the same PaksError as before the hand check.
  await assert.rejects(parseFoundNodes('{"name": "x"}'), (error: unknown) => error instanceof PaksError && /spack find --json output is not a list of Spack specs/.test(error.message));
  await assert.rejects(parseFoundNodes('[{"name"'), (error: unknown) => error instanceof PaksError && /spack find --json output is not valid JSON/.test(error.message));
  const [first] = JSON.parse(await fixture('buildcache/spack-find.json')) as Array<Record<string, unknown>>;
  await assert.rejects(parseFoundNodes(JSON.stringify([{ ...first, hash: 'NOT-A-HASH' }])), (error: unknown) => error instanceof PaksError && /hash/.test(error.message));
  // A key the check leaves to the schema: read by the schema, as before.
  const odd = JSON.stringify([{ ...first, parameters: JSON.parse('{"__proto__": {"x": 1}, "shared": true}') }]);
  assert.equal(checkFoundNodes(odd), undefined);
  assert.deepEqual(await parseFoundNodes(odd), parseFindOutput(odd));
});
