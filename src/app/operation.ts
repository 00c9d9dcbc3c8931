/**
 * An operation is one read or one write of truenorth, defined once: its name (the CLI command and the
 * path under /api/v1/), a summary, its parameters as a zod schema and what it runs. The CLI, the HTTP
 * routes, the OpenAPI document and the web's types are all derived from these definitions.
 */
import type { z } from 'zod';
import type { Config } from '../config/schema/index.js';
import type { ReportContext } from '../reports/context.js';

/** What a read runs with: the report context (engine, model, as-of) and the loaded truenorth.yaml. */
export interface ReadContext extends ReportContext {
  config: Config;
}

export type ParamsSchema = z.ZodObject<z.ZodRawShape>;

export interface ReadOperation<S extends ParamsSchema = ParamsSchema, R = unknown> {
  kind: 'read';
  name: string;
  summary: string;
  params: S;
  run(ctx: ReadContext, params: z.output<S>): Promise<R>;
}

export function defineRead<S extends ParamsSchema, R>(op: Omit<ReadOperation<S, R>, 'kind'>): ReadOperation<S, R> {
  return { kind: 'read', ...op };
}

/** The result type of a read, for the adapters and the web. */
export type ReadResult<O> = O extends ReadOperation<ParamsSchema, infer R> ? R : never;
