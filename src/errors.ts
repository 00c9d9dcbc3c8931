/**
 * Every failure a user can see is a TruenorthError carrying one code of ERROR_CODES: a one-line,
 * user-facing message, the HTTP status the server answers with, whether a retry can succeed, and the
 * CLI's exit code. The CLI prints `message` alone (no stack trace); the server's one error handler
 * answers `{ error: code, message, ...details }` with the status (and Retry-After when retryable).
 */

export interface ErrorCodeInfo {
  status: number;
  /** Used when a TruenorthError is made without a message. */
  message: string;
  /** The same request can succeed later: the server sends Retry-After. */
  retryable: boolean;
  exitCode: number;
}

/** Any failure ends the CLI with 1; usage errors (unknown flags, missing arguments) end it with 2. */
const EXIT_FAILURE = 1;

const entry = (status: number, message: string, retryable = false): ErrorCodeInfo => ({ status, message, retryable, exitCode: EXIT_FAILURE });

export const ERROR_CODES = {
  // Reading truenorth.yaml, the database file and the command line.
  config: entry(409, 'truenorth.yaml is invalid'),
  input: entry(400, 'a bad event, row or argument'),
  locked: entry(409, 'the database file is held by another writer'),
  not_found: entry(404, 'not found'),
  auth: entry(401, 'a key is missing or not allowed here'),
  conflict: entry(409, 'the request conflicts with the stored data or the running server'),
  internal: entry(500, 'something went wrong inside truenorth'),
  // The request as a whole.
  bad_request: entry(400, 'malformed request'),
  request_timeout: entry(408, 'the request did not arrive in time; the connection is closed'),
  headers_too_large: entry(431, 'the request headers are too large'),
  empty_body: entry(400, 'the request has no body'),
  invalid_body: entry(400, 'the body has the wrong shape'),
  invalid_json: entry(400, 'invalid JSON'),
  invalid_encoding: entry(400, 'cannot decompress the body'),
  body_too_large: entry(413, 'the body is too large'),
  unsupported_encoding: entry(415, 'this Content-Encoding is not supported; use gzip, deflate or br'),
  unsupported_media_type: entry(415, 'this content type is not accepted; send application/json'),
  upload_cut: entry(408, 'the upload stopped before its end; nothing was imported'),
  cross_site: entry(403, 'requests from another site are refused'),
  // Keys and sign-in.
  missing_key: entry(401, 'this endpoint needs a key'),
  invalid_key: entry(401, 'unknown or revoked key'),
  malformed_key: entry(400, 'a key has letters, digits, _ or - only (at most 200)'),
  forbidden: entry(403, 'this key cannot do that'),
  rate_limited: entry(429, 'too many requests for this key; retry later', true),
  too_many_failures: entry(429, 'too many failed sign-ins from this address; retry later', true),
  // Ingestion.
  invalid_message: entry(400, 'the message is invalid'),
  invalid_batch: entry(400, 'every message of the batch was rejected'),
  message_too_large: entry(413, 'a message is larger than the per-message limit'),
  batch_too_large: entry(413, 'the batch has more messages than one request may hold'),
  invalid_signature: entry(400, 'the Stripe signature does not verify'),
  invalid_event: entry(400, 'not a Stripe event this server understands'),
  stripe_api: entry(502, 'the Stripe API refused or failed a request; the message says which'),
  // What this server was started with.
  no_config: entry(404, 'the server was started without a truenorth.yaml; start it with --config'),
  not_configured: entry(404, 'this endpoint is not enabled on this server'),
  not_supported: entry(501, 'the server\'s store cannot do this; the message says why and what to do instead'),
  engine_not_installed: entry(501, 'the embedded ClickHouse engine is not installed: run `npm install chdb` next to truenorth, or give a ClickHouse server URL'),
  // Delivering the digest.
  delivery_failed: entry(502, 'the mail server did not take the digest; the message says what it answered'),
  // Retry later: nothing of the request was stored.
  overloaded: entry(503, 'the write queue is full; retry later', true),
  shutting_down: entry(503, 'the server is shutting down; retry later', true),
  store_unavailable: entry(503, 'the store cannot write now; retry later', true),
  report_timeout: entry(503, 'the report ran longer than the time limit and was cancelled', true),
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

export interface ErrorOptions {
  /** Sent as Retry-After; retryable codes default to 1 s. */
  retryAfterSeconds?: number;
  /** Extra fields of the server's error body, next to `error` and `message`. */
  details?: Record<string, unknown>;
}

export class TruenorthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly exitCode: number;
  readonly retryAfterSeconds: number | undefined;
  readonly details: Record<string, unknown>;
  /** The response headers this error asks for (Retry-After). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, options: ErrorOptions = {}) {
    const info = ERROR_CODES[code];
    super(message ?? info.message);
    this.name = 'TruenorthError';
    this.code = code;
    this.status = info.status;
    this.exitCode = info.exitCode;
    this.retryAfterSeconds = options.retryAfterSeconds ?? (info.retryable ? 1 : undefined);
    this.details = options.details ?? {};
    this.headers = this.retryAfterSeconds === undefined ? {} : { 'retry-after': String(this.retryAfterSeconds) };
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
 * succeeds once the cause (a full disk, exhausted descriptors, an I/O error) is gone.
 */
export class StoreUnavailableError extends TruenorthError {
  constructor(readonly reason: string, retryAfterSeconds = 1) {
    super('store_unavailable', `the store cannot write now (${reason}); nothing of this request was stored; retry later`, { retryAfterSeconds });
  }
}

export function isTruenorthError(e: unknown): e is TruenorthError {
  return e instanceof TruenorthError;
}

/**
 * The CLI's side of a server's error body: the same code (so the same exit code) and message. A
 * body that is not the server's (a proxy's page) falls back on the status.
 */
export function errorFromServer(status: number, body: unknown, serverUrl: string): TruenorthError {
  const { error, message, ...details } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = isErrorCode(error) ? error : codeForStatus(status);
  const text = typeof message === 'string' && message ? message : `${status}`;
  return new TruenorthError(code, `${text} (from the server at ${serverUrl})`, { details });
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  return status < 500 ? 'input' : 'internal';
}
