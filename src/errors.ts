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

export function isTruenorthError(e: unknown): e is TruenorthError {
  return e instanceof TruenorthError;
}
