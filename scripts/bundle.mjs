#!/usr/bin/env node
// Bundles the CLI into dist/bin/ so `paks` starts by reading a few files instead of hundreds.
// Code a command loads on demand (import()) becomes its own chunk, loaded only when it runs.
// The library keeps its tsc build in dist/ (`import 'paks'`); this is what bin/paks runs.
//
// The chunks are CommonJS. esbuild splits only ES modules, so it bundles twice: once into split
// ES modules (in a temporary folder), then each chunk alone into CommonJS, keeping the source
// maps through both. Node 20's ES module loader costs ~10 ms to start and ~0.5 ms per file
// (asynchronous reads, URL resolution, linking); require() costs neither, which took ~25 ms off
// `paks list` and ~40 ms off an unchanged `paks push` (bench/README.md).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * commander loads node:child_process when it loads (~3 ms), for executable subcommands that
 * Paks does not have; load it when a subcommand would be spawned instead. Unchanged (with a
 * warning) if commander's source no longer has that line.
 */
const lazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(build) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const eager = "const childProcess = require('node:child_process');";
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(eager)) return { contents: source, loader: 'js', warnings: [{ text: 'commander no longer requires node:child_process as expected; it loads eagerly' }] };
      return { contents: source.replace(eager, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };"), loader: 'js' };
    });
  },
};
const outdir = `${root}dist/bin`;
await rm(outdir, { recursive: true, force: true });
const esmdir = await mkdtemp(`${root}dist/.paks-bundle-`);
try {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { paks: 'src/cli/main.ts' },
    outdir: esmdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Less to parse at start-up; stack traces map back to src/ through the source maps (--debug).
    minify: process.env.PAKS_BUNDLE_MINIFY !== "0",
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [lazyChildProcess],
  });
  // `import { z } from 'zod'` cannot be tree-shaken and pulls every zod locale (~380 KB) into
  // the start-up path of any command that validates anything.
  const bundled = Object.values(result.metafile.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, use]) => use.bytesInOutput > 0).map(([input]) => input));
  const locales = bundled.filter((input) => /node_modules\/zod\/.*\/locales\/(?!en\.js)/.test(input));
  if (locales.length) {
    throw new Error(`The bundle holds ${locales.length} zod locales: import zod as \`import * as z from 'zod'\`, not \`import { z } from 'zod'\`.`);
  }
  // Each chunk into CommonJS: import → require(), import() → a promise of require(), and
  // import.meta.url → the chunk's own file URL (the chunks stay in one folder, as before).
  const chunks = (await readdir(esmdir)).filter((name) => name.endsWith('.js'));
  await build({
    absWorkingDir: root,
    entryPoints: chunks.map((name) => join(esmdir, name)),
    outdir,
    bundle: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: process.env.PAKS_BUNDLE_MINIFY !== "0",
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__paksModuleUrl' },
    // The banner comes first in each file, so it repeats the directive that makes the file strict, as an ES module is.
    banner: { js: "'use strict';var __paksModuleUrl=require('node:url').pathToFileURL(__filename).href;" },
  });
  // The folder's own package.json: its .js files are CommonJS whatever the package says.
  await writeFile(`${outdir}/package.json`, `${JSON.stringify({ type: 'commonjs' })}\n`);
  // Which sources each output file holds: tests check what a command loads through it.
  const outputs = Object.fromEntries(Object.entries(result.metafile.outputs).map(([file, output]) => [file.replace(/^dist\/\.paks-bundle-[^/]+\//, 'dist/bin/'), output]));
  await writeFile(`${outdir}/meta.json`, JSON.stringify({ ...result.metafile, outputs }));
} finally {
  await rm(esmdir, { recursive: true, force: true });
}

// `paks --help` as commander prints it when stdout is not a terminal (80 columns, no colour):
// bin/paks prints this file for a plain `paks --help` that is piped or captured, without
// loading the CLI. A terminal gets commander's own, fitted to its width.
const help = execFileSync(process.execPath, [`${root}bin/paks.cjs`, 'help'], { stdio: ['ignore', 'pipe', 'inherit'] });
await writeFile(`${outdir}/help.txt`, help);
