import { PaksError } from '../../errors.js';

/** How often and how patiently to repeat a request that failed for a passing reason. */
export interface RetryPolicy {
  /** Total tries including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error is reported instead. */
  maxRetryAfterMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
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
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
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
      context.onRetry?.(`${final.message} Retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${policy.attempts}).`);
      await policy.sleep(delay);
    }
  }
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
