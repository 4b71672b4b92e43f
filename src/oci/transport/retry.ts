import { PaksError } from '../../errors.js';

/** How often and how patiently to repeat a request that failed for a passing reason. */
export interface RetryPolicy {
  /** Total tries including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error is reported instead. */
  maxRetryAfterMs: number;
  /**
   * A registry that does not answer (connect or first-byte timeouts, one after another) is
   * given up when retrying would start a try this long after the first silent one.
   */
  maxSilentMs: number;
  /** Waits `ms`, or less when `signal` fires. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  /** Ends the waits between tries and stops further tries (a bounded look-up, an interruption). */
  signal?: AbortSignal;
  /** Told, once per host, the first time a host does not answer (the user hears it within one timeout). */
  onNoAnswer?: (host: string, message: string) => void;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
  maxSilentMs: 30_000,
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
  random: Math.random,
  now: Date.now,
};

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY, ...overrides };
}

/** Thrown by an operation to ask for another try; `error` is what the user sees if tries run out. */
export class TransientError extends Error {
  constructor(
    readonly error: PaksError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
    this.name = 'TransientError';
  }
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
// A refused connection or an unknown host is not retried: the address is wrong or the registry is down.
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_STREAM_PREMATURE_CLOSE']);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

export function networkErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (/socket hang up/i.test(error.message)) return 'ECONNRESET';
  if (/aborted/i.test(error.message)) return 'ECONNABORTED';
  return undefined;
}

/** The registry did not take the connection, or took it and did not start answering, in time (see http.ts). */
export function isNoAnswer(error: unknown): boolean {
  return error instanceof Error && (error as { noAnswer?: unknown }).noAnswer === true;
}

export function isRetryableNetworkError(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential backoff with full jitter; a server's Retry-After wins when it is longer. */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = ceiling / 2 + policy.random() * (ceiling / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * Runs `operation` until it succeeds, fails for good, or the tries run out. Transient
 * failures are TransientError or a dropped/timed-out connection; anything else is final.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  context: { what: string; host: string; onRetry?: (message: string) => void },
): Promise<T> {
  let silentSince: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const started = policy.now();
    try {
      stopIfAborted(policy.signal);
      return await operation(attempt);
    } catch (error) {
      stopIfAborted(policy.signal);
      const transient = error instanceof TransientError;
      if (!transient && !isRetryableNetworkError(error)) {
        if (!(error instanceof PaksError) && networkErrorCode(error) !== undefined) throw networkFailure(error, context);
        throw error;
      }
      const final = transient ? error.error : networkFailure(error, context);
      const retryAfter = transient ? error.retryAfterMs : undefined;
      if (attempt >= policy.attempts) throw withAttempts(final, attempt);
      if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) {
        throw new PaksError(final.kind, `${final.message} The registry asked to wait ${Math.round(retryAfter / 1000)} s before trying again.`, {
          hint: 'Try again later.',
        });
      }
      const delay = backoffDelay(attempt, policy, retryAfter);
      if (isNoAnswer(error)) {
        silentSince ??= started;
        const silentFor = policy.now() - silentSince;
        if (silentFor + delay > policy.maxSilentMs) throw notAnswering(error as Error, context, attempt, silentFor);
        if (silentSince === started) policy.onNoAnswer?.(context.host, `${context.host} does not answer (${(error as Error).message}); Paks tries again for up to ${seconds(policy.maxSilentMs)} s.`);
      } else {
        silentSince = undefined;
      }
      context.onRetry?.(`${final.message} Retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${policy.attempts}).`);
      await sleepUnlessAborted(policy, delay);
    }
  }
}

/** The reason a signal was aborted with, as the error of whatever was waiting on it. */
function stopIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof PaksError ? signal.reason : new PaksError('network', 'The registry request was cancelled.');
}

async function sleepUnlessAborted(policy: RetryPolicy, ms: number): Promise<void> {
  await policy.sleep(ms, policy.signal);
  stopIfAborted(policy.signal);
}

const seconds = (ms: number) => Number((ms / 1000).toFixed(1));

function notAnswering(error: Error, context: { what: string; host: string }, attempts: number, silentMs: number): PaksError {
  const tries = attempts === 1 ? 'one try' : `${attempts} tries`;
  return new PaksError('network', `Could not ${context.what}: ${context.host} does not answer (${error.message}; ${tries} in ${seconds(silentMs)} s).`, {
    hint: 'Check that the registry is up and reachable, or raise registry_timeout if it is only slow.',
    cause: error,
  });
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** A failed connection as one sentence: what Paks was doing, what broke, what to try. */
export function networkFailure(error: unknown, context: { what: string; host: string }): PaksError {
  const code = networkErrorCode(error) ?? 'unknown';
  const base = { cause: error };
  if (code === 'ENOTFOUND') {
    return new PaksError('network', `Could not ${context.what}: the host ${context.host} was not found.`, { ...base, hint: 'Check the registry name in the reference.' });
  }
  if (code === 'ECONNREFUSED') {
    return new PaksError('network', `Could not ${context.what}: the connection was refused by ${context.host}.`, { ...base, hint: 'Check the host and port, and that the registry is running.' });
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
    return new PaksError('network', `Could not ${context.what}: ${context.host} does not speak HTTPS.`, { ...base, hint: 'If it is a plain-HTTP registry on a trusted network, pass --plain-http.' });
  }
  if (TLS_CODES.test(code)) {
    return new PaksError('network', `Could not ${context.what}: the TLS certificate of ${context.host} is not trusted (${code}).`, {
      ...base,
      hint: 'If the registry uses a private CA, point NODE_EXTRA_CA_CERTS or the registry_ca_file setting at its certificate (PEM).',
    });
  }
  const why = code === 'ETIMEDOUT' ? 'the connection timed out' : `the connection broke (${code})`;
  return new PaksError('network', `Could not ${context.what}: ${why} talking to ${context.host}.`, {
    ...base,
    hint: 'Check the network and that the registry is up, then run the command again.',
  });
}

function withAttempts(error: PaksError, attempts: number): PaksError {
  if (attempts <= 1) return error;
  return new PaksError(error.kind, `${error.message.replace(/\.$/, '')} (gave up after ${attempts} attempts).`, {
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    cause: error.cause,
  });
}
