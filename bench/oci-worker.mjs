// One Paks transfer as its own process, so the benchmark can read its peak RSS. Plain
// JavaScript over the compiled library (PAKS_OCI_LIB = .../dist/oci/index.js): no tsx in
// the measured process, as with the installed CLI.
//   node bench/oci-worker.mjs push DIR REF [HOME]   |   node bench/oci-worker.mjs pull REF DIR
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const oci = await import(pathToFileURL(process.env.PAKS_OCI_LIB).href);
const [op, a, b, home] = process.argv.slice(2);
const started = process.hrtime.bigint();
const client = oci.createRegistryClient({
  credentials: oci.staticCredentials(oci.ANONYMOUS),
  concurrency: Number(process.env.PAKS_BENCH_CONCURRENCY ?? 4),
  ...(home ? { digestCache: await oci.loadFileDigestCache(join(home, 'oci-digests.json')) } : {}),
});
let extra = {};
if (op === 'push') {
  const pushed = await oci.pushArtifact({ client, directory: a, reference: oci.parseReference(b) });
  extra = { digest: pushed.digest, ...pushed.blobs };
} else {
  const pulled = await oci.pullArtifact({ client, reference: oci.parseReference(a), directory: b });
  extra = { digest: pulled.digest, files: pulled.files.length };
}
await client.close();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${JSON.stringify({ seconds, maxRssKiB: process.resourceUsage().maxRSS, ...extra })}\n`);
