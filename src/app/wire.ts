/**
 * Parameters on the wire. Operations name their parameters in camelCase (`asOf`, `minUsers`); the
 * command line spells them `--as-of`, `--min-users` and HTTP query strings `as_of`, `min_users`. This
 * is the one place that maps between them and turns a schema's complaint into one line naming the
 * parameter as the caller spelled it.
 */
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { namedAsQuery, paramName, parseAsOf } from '../reports/params.js';
import type { ParamsSchema } from './operation.js';

/** Who is asking: the command line or HTTP. */
export type ParamStyle = 'cli' | 'http';

export const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const camelCase = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
export const kebabCase = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A parameter's name in messages: `--as-of` or `as_of`. */
export function paramLabel(key: string, style: ParamStyle): string {
  return style === 'http' ? snakeCase(key) : `--${kebabCase(key)}`;
}

/** Query parameters (snake_case) → raw params (camelCase); each given once, at most 200 characters. */
export function paramsFromQuery(query: Record<string, unknown>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (typeof raw !== 'string') throw new InputError(`${key}: give it once`);
    if (raw.length > 200) throw new InputError(`${key}: too long`);
    params[camelCase(key)] = raw;
  }
  return params;
}

/** Raw params → query parameters, for the CLI's side of the same request (switches off are left out). */
export function queryFromParams(params: Record<string, unknown>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === false || key === 'json') continue;
    query.set(snakeCase(key), value === true ? '1' : String(value));
  }
  return query;
}

/**
 * Checks raw params against an operation's schema. The parsed object remembers the style, so the
 * checks a report makes while it runs (a range against the calendar) name parameters the same way.
 */
export function parseParams<S extends ParamsSchema>(schema: S, raw: Record<string, unknown>, style: ParamStyle): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue.path[0] ?? '');
    throw new InputError(key ? `${paramLabel(key, style)}: ${issue.message}` : issue.message);
  }
  const params = result.data as z.output<S> & object;
  return style === 'http' ? namedAsQuery(params) : params;
}

/** "Now" for a read: `asOf` in the caller's spelling, or the present. */
export function asOfParam(raw: Record<string, unknown>, style: ParamStyle): number {
  return parseAsOf(typeof raw.asOf === 'string' ? raw.asOf : undefined, paramLabel('asOf', style));
}

/** A parameter's name in messages, for a params object parseParams made. */
export const label = (params: object, key: string): string => paramName(params, key);

/** Checks a write's JSON body against its schema; a refusal names the field as the body spells it. */
export function parseBody<S extends ParamsSchema>(schema: S, body: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new InputError(issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message);
}
