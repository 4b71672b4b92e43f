/**
 * `paks serve --workers N`: one primary that collects the catalogue (once, with the TTL and
 * background refresh of a single process) and N worker processes (node:cluster) that answer
 * requests on the shared port. The primary sends each data set — documents and the finished
 * site, bytes and ETags included — to every worker, so all answer with the same ETag; a
 * worker that dies is replaced; closing the primary closes every worker.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer as createNetServer } from 'node:net';
import type { ApiDocuments } from './documents.js';
import type { Site } from './site.js';

/** What the primary sends its workers. */
export type WorkerMessage =
  | { paks: 'catalogue'; documents: ApiDocuments; site: Site; loadedAt: string }
  | { paks: 'close' };

/** Where the primary tells its workers to listen: the port it reserved (port 0 chooses one). */
export const WORKER_PORT_VARIABLE = 'PAKS_SERVE_WORKER_PORT';

export const isServeWorker = (): boolean => cluster.isWorker && process.env[WORKER_PORT_VARIABLE] !== undefined;

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return typeof message === 'object' && message !== null && ((message as { paks?: unknown }).paks === 'catalogue' || (message as { paks?: unknown }).paks === 'close');
}

/**
 * Listens once in the primary to fail early and plainly (port in use, no such address) and to
 * learn the port that port 0 picked; the workers then share that port through the primary.
 */
export function reservePort(host: string, port: number): Promise<{ port: number; family: string; address: string }> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(port, host, () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve({ port: address.port, family: address.family, address: address.address });
        else reject(new Error(`Could not listen on ${host}:${port}.`));
      });
    });
  });
}

export interface WorkerPool {
  /** Resolves when every worker listens; rejects when one exits first. */
  listening: Promise<void>;
  broadcast(message: WorkerMessage): void;
  /** The message for a worker that starts later (a replacement). */
  latest(message: WorkerMessage): void;
  close(): Promise<void>;
}

/** Forks `count` workers that listen on `port`; replaces one that dies, at most `count * 3` times. */
export function forkWorkers(count: number, port: number): WorkerPool {
  cluster.setupPrimary({ serialization: 'advanced' });
  const workers = new Set<Worker>();
  let stopping = false;
  let replacements = count * 3;
  let current: WorkerMessage | undefined;
  let failStart: (error: Error) => void = () => undefined;
  // The first `count` workers to listen resolve `listening`; replacements come later.
  let waiting = count;
  let started: () => void = () => undefined;
  const listening = new Promise<void>((resolve, reject) => {
    started = resolve;
    failStart = reject;
  });
  const send = (worker: Worker, message: WorkerMessage) => {
    if (worker.isConnected()) worker.send(message, (error: Error | null) => void error);
  };
  const fork = () => {
    const worker = cluster.fork({ [WORKER_PORT_VARIABLE]: String(port) });
    workers.add(worker);
    let up = false;
    worker.once('listening', () => {
      up = true;
      if (current) send(worker, current);
      if (--waiting === 0) started();
    });
    worker.once('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) return;
      if (!up) return failStart(new Error(`A serve worker stopped before it listened (${signal ?? `exit code ${code}`}).`));
      if (replacements-- > 0) fork();
    });
  };
  for (let i = 0; i < count; i++) fork();
  return {
    listening,
    broadcast(message) {
      current = message;
      for (const worker of workers) send(worker, message);
    },
    latest(message) {
      current = message;
    },
    async close() {
      stopping = true;
      const exits = [...workers].map((worker) => new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once('exit', () => resolve()))));
      for (const worker of workers) send(worker, { paks: 'close' });
      // Workers finish their requests in flight (two seconds at most, as one process does).
      const force = setTimeout(() => {
        for (const worker of workers) worker.process.kill('SIGKILL');
      }, 3_000);
      force.unref();
      await Promise.all(exits);
      clearTimeout(force);
    },
  };
}
