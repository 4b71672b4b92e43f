// Loaded with `node --import`: records every module URL the process resolves into
// $PAKS_RECORD_IMPORTS, so a test can check what `paks --help` loads.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url, { data: { file: process.env.PAKS_RECORD_IMPORTS } });
