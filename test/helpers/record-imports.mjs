// Loaded with `node --import`: records every module the process loads into
// $PAKS_RECORD_IMPORTS, so a test can check what `paks --help` loads: ES modules as the loader
// resolves them, and CommonJS files (the bundle in dist/bin/ is CommonJS) when the process exits.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.env.PAKS_RECORD_IMPORTS;
register('./record-imports-hooks.mjs', import.meta.url, { data: { file } });
if (file) {
  const { cache } = createRequire(import.meta.url);
  process.on('exit', () => {
    const loaded = Object.keys(cache).filter((path) => path.startsWith('/'));
    appendFileSync(file, loaded.map((path) => `${pathToFileURL(path).href}\n`).join(''));
  });
}
