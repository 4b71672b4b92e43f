/**
 * `paks serve --workers`: the cluster primary collects and refreshes, its workers answer.
 * Real processes (node:cluster), real HTTP on loopback, a fresh connection per request so the
 * primary hands requests to every worker.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./serve-workers.ts', import.meta.url));

// The workers run the fixture too (tsx's esbuild helper is a child as well, and is not counted).
const workersOf = (pid: number) => spawnSync('pgrep', ['-P', String(pid), '-f', 'serve-workers'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fresh(url: string): Promise<{ status: number; etag: string; count: number }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag), count: res.statusCode === 200 ? (JSON.parse(body) as { packages: unknown[] }).packages.length : -1 }));
    }).on('error', reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await sleep(100);
  }
}

test('cluster workers serve each refreshed data set with one ETag, a dead worker is replaced, SIGTERM ends them all', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env: { ...process.env, SERVE_TEST_TTL_MS: '400' }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const found = /Serving (\S+)/.exec(out);
      if (found) resolve(found[1]!);
    });
    void exited.then((code) => reject(new Error(`the fixture exited (${code}): ${stderr}`)));
  });
  const url = `${base}api/v1/packages.json`;
  const first = workersOf(child.pid!);
  assert.equal(first.length, 2, `workers: ${first.join(' ')}`);

  // Every refresh reaches every worker: eight answers in a row agree on the data and its ETag.
  const agreed = async (more: number) =>
    until(`the workers to agree on more than ${more} packages`, async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, () => fresh(url)));
      const counts = new Set(answers.map((a) => a.count));
      const etags = new Set(answers.map((a) => a.etag));
      return answers.every((a) => a.status === 200) && counts.size === 1 && etags.size === 1 && answers[0]!.count > more ? answers[0]! : undefined;
    });
  const before = await agreed(3);
  const after = await agreed(before.count);
  assert.notEqual(after.etag, before.etag);

  // A worker that dies is replaced; answers go on.
  process.kill(first[0]!, 'SIGKILL');
  const replaced = await until('a replacement worker', async () => {
    const now = workersOf(child.pid!);
    return now.length === 2 && !now.includes(first[0]!) ? now : undefined;
  });
  await agreed(0);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  for (const pid of replaced) assert.equal(running(pid), false, `worker ${pid} still runs`);
  assert.equal(stderr, '');
});
