#!/usr/bin/env node
// Runs the bundled CLI (dist/bin/, built by `npm run build`); bin/paks, the command npm links,
// loads it, and `node bin/paks.cjs` runs it where there is no /usr/bin/env. CommonJS
// (bin/package.json), as the bundle is (dist/bin/package.json), so no run starts Node's ES
// module loader; `paks --version` needs nothing but package.json.
'use strict';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else if (args.length === 1 && (args[0] === '--help' || args[0] === '-h') && !process.stdout.isTTY && prebuiltHelp()) {
  // Written at build time from commander's own output for a non-terminal (scripts/bundle.mjs).
} else {
  // Stack traces (--debug) point into src/ through the bundle's source maps.
  if (args.includes('--debug')) process.setSourceMapsEnabled(true);
  // A reader that stops early (`paks list | head -1`) is not an error.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  Promise.resolve()
    .then(() => require('../dist/bin/paks.js'))
    .then(({ main }) => main())
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error) => {
        const unbuilt = error?.code === 'MODULE_NOT_FOUND' && String(error.message).includes('/dist/bin/paks.js');
        process.stderr.write(unbuilt ? 'Error: Paks is not built yet; run "npm run build" in its folder first.\n' : `Error: ${error?.message ?? error}\n`);
        process.exitCode = 1;
      },
    );
}

/** Prints dist/bin/help.txt; false when there is none (not built yet), so commander prints it. */
function prebuiltHelp() {
  let text;
  try {
    text = require('node:fs').readFileSync(require('node:path').join(__dirname, '..', 'dist', 'bin', 'help.txt'));
  } catch {
    return false;
  }
  process.stdout.write(text);
  return true;
}
