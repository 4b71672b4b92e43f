import { Worker } from 'node:worker_threads';

/**
 * sha256/sha512 on another thread. Hashing a build cache costs as much CPU as moving it
 * (Node hashes ~250 MB/s on a modest core), so doing it beside the network I/O instead of
 * on the main thread lets both run at once. One worker serves every job, one at a time per
 * message; jobs are interleaved by id.
 *
 * A stream can also write what it hashes to a file descriptor: downloads then reach the
 * disk in 1 MiB writes from the worker, instead of one write per 64 KiB socket read
 * queued from the main thread.
 *
 * Stream bytes travel through 1 MiB slots of shared memory, made once and reused: moving
 * (transferring) a buffer to another thread counts as a fresh allocation there, and a
 * gigabyte of those makes V8 run a full garbage collection every few dozen megabytes.
 */
export interface StreamHasher {
  /** Takes a chunk; returns a promise to wait for when the worker is full (bounded memory). */
  update(chunk: Buffer): Promise<void> | undefined;
  /** `alg:hex` of everything passed to update, once all of it is hashed (and written). */
  finish(): Promise<string>;
  /** Drops the job; resolves once the worker will not touch it (nor its descriptor) again. */
  abort(): Promise<void>;
}

export interface HashWorker {
  hashFile(path: string): Promise<{ digest: string; size: number }>;
  /** With `fd`, every byte is also written there, in order, from the current position. */
  stream(algorithm: 'sha256' | 'sha512', options?: { fd?: number }): StreamHasher;
  close(): Promise<void>;
}

// Plain CommonJS so it runs the same from src (tsx) and from dist.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { open, read, close, writeSync } = require('node:fs');
const jobs = new Map();
const slots = [];
parentPort.on('message', (m) => {
  try {
    if (m.type === 'slot') {
      slots[m.slot] = new Uint8Array(m.memory);
    } else if (m.type === 'file') {
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
      jobs.set(m.id, { hash: createHash(m.algorithm), algorithm: m.algorithm, fd: m.fd, failed: false });
    } else if (m.type === 'data') {
      const job = jobs.get(m.id);
      if (job && !job.failed) {
        const bytes = slots[m.slot].subarray(0, m.length);
        try {
          job.hash.update(bytes);
          if (job.fd !== undefined) for (let done = 0; done < bytes.length; ) done += writeSync(job.fd, bytes, done);
        } catch (e) {
          job.failed = true;
          parentPort.postMessage({ id: m.id, error: e.message, code: e.code });
        }
      }
      parentPort.postMessage({ id: m.id, ack: m.length, slot: m.slot });
    } else if (m.type === 'end') {
      const job = jobs.get(m.id);
      jobs.delete(m.id);
      if (job && !job.failed) parentPort.postMessage({ id: m.id, digest: job.algorithm + ':' + job.hash.digest('hex') });
    } else if (m.type === 'abort') {
      jobs.delete(m.id);
      parentPort.postMessage({ id: m.id, aborted: true });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

const SLOT = 1 << 20;
/** Bytes a stream may have queued at the worker before update() asks its caller to wait. */
const MAX_IN_FLIGHT = 2 * SLOT;

interface Reply {
  id: number;
  ack?: number;
  slot?: number;
  digest?: string;
  size?: number;
  aborted?: boolean;
  error?: string;
  code?: string;
}

export function createHashWorker(): HashWorker {
  let worker: Worker | undefined;
  let nextId = 1;
  const handlers = new Map<number, (reply: Reply) => void>();
  // Shared-memory slots of the current worker, and the ones not in use.
  let slots: Buffer[] = [];
  let free: number[] = [];

  const ensure = (): Worker => {
    if (worker) return worker;
    // No execArgv: the worker is plain JavaScript and needs no loaders (tsx would keep the process alive).
    const created = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    created.on('message', (reply: Reply) => {
      if (reply.slot !== undefined) free.push(reply.slot);
      handlers.get(reply.id)?.(reply);
    });
    created.on('error', (error) => {
      for (const handler of handlers.values()) handler({ id: 0, error: error.message });
      handlers.clear();
      worker = undefined;
      slots = [];
      free = [];
    });
    // After the listeners: adding a 'message' listener refs the worker again.
    created.unref();
    worker = created;
    return created;
  };
  const takeSlot = (target: Worker): number => {
    const reused = free.pop();
    if (reused !== undefined) return reused;
    const memory = new SharedArrayBuffer(SLOT);
    slots.push(Buffer.from(memory));
    target.postMessage({ type: 'slot', slot: slots.length - 1, memory });
    return slots.length - 1;
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

    stream(algorithm, options = {}) {
      const id = nextId++;
      const target = ensure();
      target.postMessage({ type: 'start', id, algorithm, fd: options.fd });
      let slot: number | undefined;
      let filled = 0;
      let inFlight = 0;
      let waiting: (() => void) | undefined;
      let finished: ((reply: Reply) => void) | undefined;
      let aborted: (() => void) | undefined;
      let ending: Promise<string> | undefined;
      let broken: Error | undefined;
      listen(id, (reply) => {
        if (reply.aborted) return aborted?.();
        if (reply.error !== undefined) broken = failure(reply);
        // A failed job is never touched again (a crashed worker touches nothing).
        if (broken) aborted?.();
        if (reply.ack !== undefined) inFlight -= reply.ack;
        if ((inFlight <= MAX_IN_FLIGHT - SLOT || broken) && waiting) {
          const wake = waiting;
          waiting = undefined;
          wake();
        }
        if (reply.digest !== undefined || broken) finished?.(reply);
      });
      const flush = () => {
        if (slot === undefined || filled === 0) return;
        target.postMessage({ type: 'data', id, slot, length: filled });
        inFlight += filled;
        slot = undefined;
        filled = 0;
      };
      const release = () => {
        if (slot !== undefined && worker === target) free.push(slot);
        slot = undefined;
      };
      const room = () =>
        new Promise<void>((resolve, reject) => {
          waiting = () => (broken ? reject(broken) : resolve());
        });
      return {
        update(chunk) {
          if (broken) return Promise.reject(broken);
          let offset = 0;
          while (offset < chunk.length) {
            slot ??= takeSlot(target);
            const n = Math.min(SLOT - filled, chunk.length - offset);
            chunk.copy(slots[slot] as Buffer, filled, offset, offset + n);
            filled += n;
            offset += n;
            if (filled === SLOT) flush();
          }
          return inFlight > MAX_IN_FLIGHT - SLOT ? room() : undefined;
        },
        finish() {
          if (broken) {
            release();
            forget(id);
            return Promise.reject(broken);
          }
          flush();
          ending = new Promise<string>((resolve, reject) => {
            finished = (reply) => {
              forget(id);
              if (broken) reject(broken);
              else resolve(reply.digest as string);
            };
            target.postMessage({ type: 'end', id });
          });
          return ending;
        },
        abort() {
          release();
          // After finish, the job is over when its answer comes.
          if (ending)
            return ending.then(
              () => undefined,
              () => undefined,
            );
          if (broken) {
            forget(id);
            return Promise.resolve();
          }
          // Messages are handled in order: once the worker answers this, it is done with the job.
          return new Promise<void>((resolve) => {
            aborted = () => {
              forget(id);
              resolve();
            };
            target.postMessage({ type: 'abort', id });
          });
        },
      };
    },

    async close() {
      const current = worker;
      worker = undefined;
      slots = [];
      free = [];
      await current?.terminate();
    },
  };
}
