/**
 * Where the server's log lines go, and in which form: one JSON object a line (for a log collector),
 * or readable lines through pino-pretty (for a person at a terminal). Either way every line passes
 * through the scrubber on its way out (redact.ts), after it is formatted: what reaches the
 * destination is what was scrubbed.
 */
import { prettyFactory } from 'pino-pretty';
import { Redactor } from './redact.js';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogDestination {
  write(line: string): unknown;
  isTTY?: boolean;
}

/** The format when none is asked for: readable on a terminal, JSON otherwise. */
export function defaultLogFormat(destination: LogDestination): LogFormat {
  return destination.isTTY ? 'pretty' : 'json';
}

/** A request's line, read at a glance: `GET /api/v1/scorecard 200 12.5 ms tns_ab12cd34`. */
function message(log: Record<string, unknown>, messageKey: string): string {
  const text = String(log[messageKey] ?? '');
  if (text !== 'request') return text;
  return [log.method, log.url, log.status, `${String(log.ms)} ms`, log.key].filter((part) => part !== undefined).join(' ');
}

/** A request's own fields are in its message already; pino's bookkeeping is no reader's business. */
const IGNORED = 'pid,hostname,reqId,method,url,status,ms,key';

/** The stream the logger writes to: formatted as asked, then scrubbed of every secret. */
export function logStream(destination: LogDestination, format: LogFormat, secrets: (string | undefined)[]): { write(line: string): unknown } {
  const redactor = new Redactor(secrets);
  if (format === 'json') return redactor.stream(destination);
  const pretty = prettyFactory({
    colorize: destination.isTTY === true && !process.env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: IGNORED,
    messageFormat: message,
    singleLine: false,
  });
  // Scrubbed as JSON too: the readable form is built from a line that already holds no secret.
  return { write: (line: string) => destination.write(redactor.scrub(pretty(redactor.scrub(line)))) };
}
