/**
 * Started by serve-workers.test.ts (node:cluster forks this same file as each worker):
 * `serveCatalogue` with two workers over sample documents that gain a package on every
 * collection, so a refresh is visible in packages.json.
 */
import { createRefresher, serveCatalogue } from '../../src/api/server.js';
import { sampleDocuments } from './documents.js';

let loads = 0;
const refresher = createRefresher({ ttlMs: Number(process.env.SERVE_TEST_TTL_MS ?? 300), load: async () => sampleDocuments(3 + loads++) });
const running = await serveCatalogue({ refresher, host: '127.0.0.1', port: 0, workers: 2 });
if (running.role === 'primary') {
  console.log(`Serving ${running.url}`);
  process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
}
