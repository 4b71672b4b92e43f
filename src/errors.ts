/**
 * Errors are values with a message for a person: what failed, why, and what to do.
 * The CLI prints `message` (and `hint`) only; the stack is shown with --debug.
 */
export type ErrorKind =
  | 'usage' // bad command line or settings value: exit 2
  | 'settings'
  | 'spack'
  | 'registry'
  | 'network'
  | 'auth'
  | 'integrity' // digest or size mismatch, unsafe path
  | 'trust' // signature missing, bad or untrusted
  | 'not-found'
  | 'conflict'
  | 'internal';

const EXIT_CODES: Record<ErrorKind, number> = {
  usage: 2,
  settings: 2,
  spack: 1,
  registry: 1,
  network: 1,
  auth: 1,
  integrity: 1,
  trust: 1,
  'not-found': 1,
  conflict: 1,
  internal: 1,
};

export interface PaksErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: number;
}

export class PaksError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(kind: ErrorKind, message: string, options: PaksErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PaksError';
    this.kind = kind;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_CODES[kind];
  }
}

export function isPaksError(error: unknown): error is PaksError {
  return error instanceof PaksError;
}

/** Best one-line description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
