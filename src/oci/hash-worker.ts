import { Worker } from 'node:worker_threads';

/**
 * sha256/sha512 on another thread. Hashing a build cache costs as much CPU as moving it
 * (Node hashes ~250 MB/s on a modest core), so doing it beside the network I/O instead of
 * on the main thread lets both run at once. One worker serves every job, one at a time per
 * message; jobs are interleaved by id.
 */
export interface StreamHasher {
  /** Resolves when the worker has room for more (bounded memory). */
  update(chunk: Buffer): Promise<void>;
  /** `alg:hex` of everything passed to update. */
  finish(): Promise<string>;
  abort(): void;
}

export interface HashWorker {
  hashFile(path: string): Promise<{ digest: string; size: number }>;
  stream(algorithm: 'sha256' | 'sha512'): StreamHasher;
  close(): Promise<void>;
}

// Plain CommonJS so it runs the same from src (tsx) and from dist.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { open, read, close } = require('node:fs');
const jobs = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.type === 'file') {
      // One reused buffer per file: no garbage for the collector to catch up with.
      const hash = createHash('sha256');
      const buffer = Buffer.allocUnsafe(1 << 20);
      let size = 0;
      const fail = (e) => parentPort.postMessage({ id: m.id, error: e.message, code: e.code });
      open(m.path, 'r', (error, fd) => {
        if (error) return fail(error);
        const next = () => read(fd, buffer, 0, buffer.length, null, (e, n) => {
          if (e) return close(fd, () => fail(e));
          if (n === 0) return close(fd, () => parentPort.postMessage({ id: m.id, digest: 'sha256:' + hash.digest('hex'), size }));
          hash.update(buffer.subarray(0, n));
          size += n;
          next();
        });
        next();
      });
    } else if (m.type === 'start') {
      jobs.set(m.id, { hash: createHash(m.algorithm), algorithm: m.algorithm });
    } else if (m.type === 'data') {
      const job = jobs.get(m.id);
      if (job) job.hash.update(new Uint8Array(m.buffer, 0, m.length));
      // The batch goes back to be filled again: no allocation per MiB on either side.
      parentPort.postMessage({ id: m.id, ack: m.length, buffer: m.buffer }, [m.buffer]);
    } else if (m.type === 'end') {
      const job = jobs.get(m.id);
      jobs.delete(m.id);
      if (job) parentPort.postMessage({ id: m.id, digest: job.algorithm + ':' + job.hash.digest('hex') });
    } else if (m.type === 'abort') {
      jobs.delete(m.id);
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

const BATCH = 1 << 20;
const MAX_IN_FLIGHT = 2 * BATCH;

interface Reply {
  id: number;
  ack?: number;
  buffer?: ArrayBuffer;
  digest?: string;
  size?: number;
  error?: string;
  code?: string;
}

export function createHashWorker(): HashWorker {
  let worker: Worker | undefined;
  let nextId = 1;
  const handlers = new Map<number, (reply: Reply) => void>();

  const ensure = (): Worker => {
    if (worker) return worker;
    // No execArgv: the worker is plain JavaScript and needs no loaders (tsx would keep the process alive).
    const created = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    created.on('message', (reply: Reply) => handlers.get(reply.id)?.(reply));
    created.on('error', (error) => {
      for (const handler of handlers.values()) handler({ id: 0, error: error.message });
      handlers.clear();
      worker = undefined;
    });
    // After the listeners: adding a 'message' listener refs the worker again.
    created.unref();
    worker = created;
    return created;
  };
  // The worker keeps the process alive only while a job waits on it.
  const listen = (id: number, handler: (reply: Reply) => void) => {
    handlers.set(id, handler);
    worker?.ref();
  };
  const forget = (id: number) => {
    handlers.delete(id);
    if (handlers.size === 0) worker?.unref();
  };
  const failure = (reply: Reply) => Object.assign(new Error(reply.error), reply.code ? { code: reply.code } : {});

  return {
    hashFile(path) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const target = ensure();
        listen(id, (reply) => {
          forget(id);
          if (reply.error !== undefined) reject(failure(reply));
          else resolve({ digest: reply.digest as string, size: reply.size as number });
        });
        target.postMessage({ type: 'file', id, path });
      });
    },

    stream(algorithm) {
      const id = nextId++;
      const target = ensure();
      target.postMessage({ type: 'start', id, algorithm });
      const spare: ArrayBuffer[] = [];
      let batch = Buffer.allocUnsafeSlow(BATCH);
      let filled = 0;
      let inFlight = 0;
      let waiting: (() => void) | undefined;
      let finished: ((reply: Reply) => void) | undefined;
      let broken: Error | undefined;
      listen(id, (reply) => {
        if (reply.error !== undefined) broken = failure(reply);
        if (reply.ack !== undefined) inFlight -= reply.ack;
        if (reply.buffer) spare.push(reply.buffer);
        if ((inFlight <= MAX_IN_FLIGHT - BATCH || broken) && waiting) {
          const wake = waiting;
          waiting = undefined;
          wake();
        }
        if (reply.digest !== undefined || broken) finished?.(reply);
      });
      const flush = () => {
        if (filled === 0) return;
        // The batch's memory moves to the worker (no copy) and comes back after hashing.
        const buffer = batch.buffer as ArrayBuffer;
        target.postMessage({ type: 'data', id, buffer, length: filled }, [buffer]);
        inFlight += filled;
        const reuse = spare.pop();
        batch = reuse ? Buffer.from(reuse) : Buffer.allocUnsafeSlow(BATCH);
        filled = 0;
      };
      return {
        async update(chunk) {
          if (broken) throw broken;
          let offset = 0;
          while (offset < chunk.length) {
            const n = Math.min(BATCH - filled, chunk.length - offset);
            chunk.copy(batch, filled, offset, offset + n);
            filled += n;
            offset += n;
            if (filled === BATCH) flush();
          }
          if (inFlight > MAX_IN_FLIGHT - BATCH) await new Promise<void>((resolve) => (waiting = resolve));
          if (broken) throw broken;
        },
        finish() {
          flush();
          return new Promise<string>((resolve, reject) => {
            finished = (reply) => {
              forget(id);
              if (broken) reject(broken);
              else resolve(reply.digest as string);
            };
            target.postMessage({ type: 'end', id });
          });
        },
        abort() {
          forget(id);
          target.postMessage({ type: 'abort', id });
        },
      };
    },

    async close() {
      const current = worker;
      worker = undefined;
      await current?.terminate();
    },
  };
}
