/**
 * An HTTP proxy between a client and the test registry that misbehaves on request: it
 * answers with an error status, cuts connections part-way through a body, or flips a byte.
 * The Host header is passed through, so the registry's Location URLs point back at it.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Forward, then drop the connection after this many response body bytes. */
  | { kind: 'reset-response'; afterBytes: number }
  /** Drop the connection after receiving this many request body bytes (the registry saw part). */
  | { kind: 'reset-request'; afterBytes: number }
  /** Flip the byte at this offset of the response body. */
  | { kind: 'corrupt-response'; atByte: number }
  /** Flip the byte at this offset of the request body. */
  | { kind: 'corrupt-request'; atByte: number }
  /** Accept the request and never answer it. */
  | { kind: 'no-answer' }
  /** Forward the headers and this many body bytes, then send nothing more (the connection stays open). */
  | { kind: 'stall-response'; afterBytes: number };

export interface SeenRequest {
  method: string;
  path: string;
  fault?: Fault['kind'];
}

export interface FaultRule {
  match: (request: { method: string; path: string }) => boolean;
  fault: Fault;
  /** How many matching requests get the fault (default 1; Infinity for always). */
  times?: number;
}

export interface FaultProxy {
  host: string;
  requests: SeenRequest[];
  inject(rule: FaultRule): void;
  clear(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(':') as [string, string];
  const rules: (FaultRule & { left: number })[] = [];
  const requests: SeenRequest[] = [];

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
    requests.push(seen);
    const rule = rules.find((r) => r.left > 0 && r.match(seen));
    if (rule) {
      rule.left--;
      seen.fault = rule.fault.kind;
    }
    const fault = rule?.fault;

    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${fault.status}` }] }));
      return;
    }

    if (fault?.kind === 'no-answer') {
      req.resume();
      return;
    }

    const upstream = request(
      { host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        let body: NodeJS.ReadableStream = upstreamRes;
        const socket = res.socket;
        if (fault?.kind === 'reset-response') body = upstreamRes.pipe(cutAfter(fault.afterBytes, () => socket?.destroy()));
        if (fault?.kind === 'corrupt-response') body = upstreamRes.pipe(flipAt(fault.atByte));
        if (fault?.kind === 'stall-response') body = upstreamRes.pipe(stallAfter(fault.afterBytes));
        body.pipe(res);
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    let incoming: NodeJS.ReadableStream = req;
    if (fault?.kind === 'reset-request') {
      const socket = req.socket;
      incoming = req.pipe(
        cutAfter(fault.afterBytes, () => {
          upstream.destroy();
          socket.destroy();
        }),
      );
    }
    if (fault?.kind === 'corrupt-request') incoming = req.pipe(flipAt(fault.atByte));
    incoming.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    inject: (rule) => void rules.push({ ...rule, left: rule.times ?? 1 }),
    clear: () => void rules.splice(0),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function cutAfter(limit: number, cut: () => void): Transform {
  let seen = 0;
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (done) return callback();
      if (seen + chunk.length >= limit) {
        done = true;
        this.push(chunk.subarray(0, Math.max(0, limit - seen)));
        // Give the partial bytes a moment to leave, then drop the connection.
        setTimeout(cut, 5);
        return callback();
      }
      seen += chunk.length;
      callback(null, chunk);
    },
  });
}

function flipAt(offset: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (offset >= seen && offset < seen + chunk.length) {
        const copy = Buffer.from(chunk);
        copy[offset - seen] = (copy[offset - seen] as number) ^ 0xff;
        chunk = copy;
      }
      seen += chunk.length;
      callback(null, chunk);
    },
  });
}

function stallAfter(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const part = chunk.subarray(0, Math.max(0, limit - seen));
      seen += chunk.length;
      callback(null, part.length ? part : undefined);
    },
    // Never finishes: the client keeps waiting for the rest of the body.
    flush() {},
  });
}
