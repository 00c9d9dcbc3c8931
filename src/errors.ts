/**
 * Every failure a user can cause is a TruenorthError: a one-line, user-facing message and a kind.
 * The CLI prints `message` alone (no stack trace) and exits non-zero; the server maps `kind` to a 4xx.
 */
export type ErrorKind =
  | 'config'      // truenorth.yaml is invalid
  | 'input'       // a bad event, row or argument
  | 'locked'      // the database file is held by another writer
  | 'not_found'
  | 'auth'
  | 'conflict'
  | 'unavailable' // the store cannot write now (disk full, I/O, descriptors): retry later
  | 'internal';

export class TruenorthError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string) {
    super(message);
    this.kind = kind;
    this.name = 'TruenorthError';
  }
}

export class ConfigError extends TruenorthError {
  /** Dotted key path, e.g. `journey.kui.within`, and 1-based line in the YAML file when known. */
  readonly path: string;
  readonly line: number | undefined;
  constructor(message: string, path = '', line?: number, file?: string) {
    const where = [file, line !== undefined ? `line ${line}` : undefined].filter(Boolean).join(':');
    const prefix = [where, path].filter(Boolean).join(' ');
    super('config', prefix ? `${prefix}: ${message}` : message);
    this.path = path;
    this.line = line;
  }
}

export class InputError extends TruenorthError {
  constructor(message: string) {
    super('input', message);
  }
}

/**
 * A write the store could not make durable: nothing of it was acknowledged, and the same request
 * succeeds once the cause (a full disk, exhausted descriptors, an I/O error) is gone. The server
 * answers 503 with Retry-After.
 */
export class StoreUnavailableError extends TruenorthError {
  constructor(readonly reason: string, readonly retryAfterSeconds = 1) {
    super('unavailable', `the store cannot write now (${reason}); nothing of this request was stored; retry later`);
  }
}

export function isTruenorthError(e: unknown): e is TruenorthError {
  return e instanceof TruenorthError;
}
