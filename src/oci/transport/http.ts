import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { Readable } from 'node:stream';
import { PaksError } from '../../errors.js';

/** One HTTP exchange. `body` is a factory so a retry can send it again. */
export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: () => Readable | Buffer;
  /** Abort when the connection is idle this long (default 60 s). */
  idleTimeoutMs?: number;
  /**
   * Only asks whether the server speaks TLS (probeScheme): over HTTPS the certificate is not
   * checked, so Node's root store (~50 ms to load) is not read for a registry that turns out
   * to speak plain HTTP. Carries nothing but the request line.
   */
  tlsProbe?: boolean;
}

export interface HttpResponse {
  status: number;
  url: URL;
  header(name: string): string | undefined;
  body: Readable;
  /** Reads the whole body, refusing more than `limit` bytes (manifests, errors, tokens). */
  bytes(limit: number): Promise<Buffer>;
  /** Drops the body so the connection can be reused. */
  discard(): Promise<void>;
}

export type HttpSend = (request: HttpRequest) => Promise<HttpResponse>;

export interface HttpTransport {
  send: HttpSend;
  close(): void;
}

/**
 * Node's http/https with keep-alive agents. Without `ca` Node trusts its bundled roots plus
 * NODE_EXTRA_CA_CERTS; `ca` (PEM texts, from the registry_ca_file setting) is trusted on top.
 */
export interface HttpTransportOptions {
  maxSockets?: number;
  userAgent?: string;
  /**
   * Give up on a request whose connection is not made, or whose answer does not start,
   * within this long after it was sent (default 10 s): far below the idle timeout, so a
   * registry that accepts connections but never answers is noticed quickly.
   */
  responseTimeoutMs?: number;
  /** Ends every request in flight and refuses new ones (a bounded look-up, an interruption). */
  signal?: AbortSignal;
  /** Extra CA certificates (PEM) trusted beside Node's own and NODE_EXTRA_CA_CERTS. */
  ca?: readonly string[];
}

export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOptions);
  // Giving `ca` replaces Node's default store, so the bundled and NODE_EXTRA_CA_CERTS roots are added back.
  const httpsAgent = new https.Agent(options.ca?.length ? { ...agentOptions, ca: [...tls.rootCertificates, ...extraCaCertificates(), ...options.ca] } : agentOptions);
  // No trust anchors and no checks: used only to see whether a TLS handshake happens at all.
  let probeAgent: https.Agent | undefined;
  const userAgent = options.userAgent ?? 'paks';

  const responseTimeoutMs = options.responseTimeoutMs ?? 10_000;
  const send: HttpSend = (request) =>
    new Promise<HttpResponse>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(Object.assign(new Error(`the request to ${request.url.host} was cancelled`), { code: 'ABORT_ERR' }));
        return;
      }
      const isHttps = request.url.protocol === 'https:';
      const body = request.body?.();
      const headers: Record<string, string> = { 'user-agent': userAgent, ...request.headers };
      if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
      const req = (isHttps ? https : http).request(request.url, {
        method: request.method,
        headers,
        agent: !isHttps ? httpAgent : request.tlsProbe ? (probeAgent ??= new https.Agent({ ca: [], rejectUnauthorized: false })) : httpsAgent,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      let settled = false;
      // Connect, then (once the request is sent) the first byte of the answer: each within
      // responseTimeoutMs. While a body uploads, only the idle timeout applies.
      let waiting: NodeJS.Timeout | undefined;
      let connected = false;
      let tcpConnected = false;
      let sent = false;
      const stopWaiting = () => clearTimeout(waiting);
      // A streamed upload's answer may wait on the registry committing it: that wait has only the idle timeout.
      const streamed = body instanceof Readable;
      const arm = () => {
        stopWaiting();
        if (connected && (!sent || streamed)) return;
        waiting = setTimeout(() => {
          const what = connected ? 'start answering' : tcpConnected ? 'answer the TLS handshake' : 'accept the connection';
          req.destroy(Object.assign(new Error(`${request.url.host} did not ${what} within ${responseTimeoutMs / 1000} s`), { code: 'ETIMEDOUT', noAnswer: true }));
        }, responseTimeoutMs);
        waiting.unref();
      };
      const onConnected = () => {
        connected = true;
        arm();
      };
      arm();
      req.on('socket', (socket) => {
        if (!socket.connecting) onConnected();
        else {
          socket.once('connect', () => (tcpConnected = true));
          socket.once(isHttps ? 'secureConnect' : 'connect', onConnected);
        }
      });
      req.on('finish', () => {
        sent = true;
        arm();
      });
      req.on('close', stopWaiting);
      const fail = (error: Error) => {
        stopWaiting();
        if (body instanceof Readable) body.destroy();
        if (!settled) {
          settled = true;
          reject(error);
        }
      };
      req.setTimeout(request.idleTimeoutMs ?? 60_000, () => {
        req.destroy(Object.assign(new Error(`no answer from ${request.url.host} for ${(request.idleTimeoutMs ?? 60_000) / 1000} s`), { code: 'ETIMEDOUT' }));
      });
      req.on('error', fail);
      req.on('response', (res) => {
        stopWaiting();
        settled = true;
        // The registry may answer before reading the whole body (e.g. 401): stop sending.
        if (body instanceof Readable && !body.readableEnded) body.unpipe(req);
        resolve(wrapResponse(res, request.url));
      });
      if (body instanceof Readable) {
        body.on('error', (error) => {
          req.destroy(error);
          fail(error);
        });
        body.pipe(req);
      } else {
        req.end(body);
      }
    });

  return {
    send,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
      probeAgent?.destroy();
    },
  };
}

function wrapResponse(res: http.IncomingMessage, url: URL): HttpResponse {
  return {
    status: res.statusCode ?? 0,
    url,
    body: res,
    header(name) {
      const value = res.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    async bytes(limit) {
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res) {
        total += (chunk as Buffer).length;
        if (total > limit) {
          res.destroy();
          throw new PaksError('registry', `${url.host} sent more than ${limit} bytes for ${url.pathname}; Paks stopped reading.`);
        }
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    },
    async discard() {
      if (res.destroyed || res.readableEnded) return;
      // Small or finished bodies are drained so the socket goes back to the pool (it is
      // only released on 'end'); a large unread body is cheaper to drop with its socket.
      const length = Number(res.headers['content-length'] ?? NaN);
      if (res.complete || (Number.isFinite(length) && length <= 64 * 1024)) {
        const ended = new Promise<void>((done) => {
          res.once('end', done);
          res.once('error', () => done());
          res.once('close', () => done());
        });
        res.resume();
        await ended;
      } else {
        res.destroy();
      }
    },
  };
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

export function isLoopback(registry: string): boolean {
  return LOOPBACK_HOST.test(registry);
}

/** The registry's base URL: HTTPS unless the caller chose plain HTTP (see probeScheme for loopback). */
export function registryBaseUrl(registry: string, plainHttp = false): URL {
  const useHttp = plainHttp;
  // Docker Hub's API lives on registry-1.docker.io, not on the docker.io name.
  const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  return new URL(`${useHttp ? 'http' : 'https'}://${host}`);
}

function extraCaCertificates(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return [];
  }
}

function isNoAnswerOrAbort(error: unknown): boolean {
  const { noAnswer, code, name } = error as { noAnswer?: unknown; code?: unknown; name?: unknown };
  return noAnswer === true || code === 'ABORT_ERR' || name === 'AbortError';
}

// What a TLS client sees when the server answers its hello in plain HTTP.
const NOT_TLS = /wrong version number|packet length too long|http request/i;

/**
 * Docker's rule for loopback registries: HTTPS first, plain HTTP only when the server does
 * not speak TLS. A certificate problem is not a reason to drop to HTTP: it stays HTTPS and
 * the request that follows, which checks the certificate, explains it.
 */
export async function probeScheme(send: HttpSend, registry: string): Promise<'http' | 'https'> {
  try {
    const response = await send({ method: 'GET', url: new URL(`https://${registry}/v2/`), idleTimeoutMs: 10_000, tlsProbe: true });
    await response.discard();
    return 'https';
  } catch (error) {
    // Silence (or a cancelled look-up) says nothing about TLS: the request that asked fails, and may try again.
    if (isNoAnswerOrAbort(error)) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'EPROTO' || (typeof code === 'string' && code.startsWith('ERR_SSL_')) || NOT_TLS.test((error as Error).message ?? '')) return 'http';
    return 'https';
  }
}
