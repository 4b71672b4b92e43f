import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runPaks, temporaryDirectory } from '../helpers/cli.js';

test('paks api build and paks serve: bad input is one sentence and exit 2', async (t) => {
  const home = await temporaryDirectory(t);
  const repo = join(home, 'plain-repo');
  await mkdir(join(repo, 'packages'), { recursive: true });
  await writeFile(join(repo, 'repo.yaml'), 'repo:\n  namespace: plain\n');
  const cases: [string[], RegExp][] = [
    [['api', 'build', 'out'], /^Error: This folder is not inside a Paks package repository: no paks\.yaml in .* or above it\.\n/],
    [['api', 'build', 'out', '--repo', 'missing', '--registry', 'ghcr.io/o/p'], /^Error: --repo missing does not exist\.\n/],
    [['api', 'build', 'out', '--repo', repo], /^Error: .*plain-repo has no paks\.yaml to say where its binaries are\.\nPass --registry/],
    [['api', 'build', 'out', '--repo', repo, '--registry', 'Org/Packages'], /^Error: Org\/Packages is not a registry path such as ghcr\.io\/org\/packages/],
    [['api', 'build', 'out', '--repo', repo, '--registry', 'ghcr.io/o/p', '--base-url', 'not a url'], /^Error: --base-url not a url is not an absolute URL\.\n/],
    [['serve', '--port', '99999'], /'99999' is not a port number/],
    [['serve', '--ttl', '0'], /'0' is not a whole number of seconds/],
  ];
  for (const [args, expected] of cases) {
    const result = await runPaks(args, { home });
    assert.equal(result.exitCode, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, expected, args.join(' '));
    assert.doesNotMatch(result.stderr, /bug in Paks|at .*\.js:\d+/);
  }
});
