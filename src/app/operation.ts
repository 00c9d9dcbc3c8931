/**
 * An operation is one read or one write of truenorth, defined once: its name (the CLI command and the
 * path under /api/v1/), a summary, its parameters as a zod schema and what it runs. The CLI, the HTTP
 * routes, the OpenAPI document and the web's types are all derived from these definitions.
 */
import type { z } from 'zod';
import type { Config } from '../config/schema/index.js';
import type { Capability } from '../engine/capabilities.js';
import type { ManualInput } from '../engine/ingest/import-manual.js';
import type { StorePort } from '../engine/port.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import type { MetricModel } from '../model/metric-model.js';
import type { ReportContext } from '../reports/context.js';
import { TruenorthError } from '../errors.js';

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
  /** What the store must be able to do; without it the read is refused (501) with the store's reason. */
  needs?: readonly Capability[];
  run(ctx: ReadContext, params: z.output<S>): Promise<R>;
}

export function defineRead<S extends ParamsSchema, R>(op: Omit<ReadOperation<S, R>, 'kind'>): ReadOperation<S, R> {
  return { kind: 'read', ...op };
}

/** The result type of a read, for the adapters and the web. */
export type ReadResult<O> = O extends ReadOperation<ParamsSchema, infer R> ? R : never;

/** What a write runs with: the loaded truenorth.yaml and its model, the store, and how hand entries are written. */
export interface WriteContext {
  /** Undefined where there is none (a server started without one): writes that need it refuse. */
  config: Config | undefined;
  model: MetricModel | undefined;
  store: StorePort;
  /**
   * Runs `work` with a reader and the writer of hand entries, alone among the store's writes where
   * the entrance can arrange it (the server's write queue), so a value read is the one replaced.
   */
  manualLane<T>(work: (engine: SqlEngine, write: (entries: ManualInput[]) => Promise<number>) => Promise<T>): Promise<T>;
}

export interface WriteOperation<S extends ParamsSchema = ParamsSchema, C = unknown, R = unknown> {
  kind: 'write';
  name: string;
  /** The HTTP path under /api/v1/ (`ideas/:id/status`); path parameters are fields of the body too. */
  path: string;
  /** What it is, in refusals: "hand entry", "review notes". */
  what: string;
  summary: string;
  /** The JSON body: the dashboard's form, or the CLI's arguments and flags. */
  body: S;
  /** What the store must be able to do; without it the server answers 501 with the store's reason. */
  needs: readonly Capability[];
  /** 201 for something new, 200 for a change. */
  status: 200 | 201;
  /** The body checked against truenorth.yaml, before any store is opened. */
  check(config: Config | undefined, body: z.output<S>): C;
  run(ctx: WriteContext, checked: C): Promise<R>;
}

export function defineWrite<S extends ParamsSchema, C, R>(op: Omit<WriteOperation<S, C, R>, 'kind'>): WriteOperation<S, C, R> {
  return { kind: 'write', ...op };
}

/** The config a write checks against; a server started without one refuses. */
export function needConfig<T>(value: T | undefined): T {
  if (value === undefined) throw new TruenorthError('no_config');
  return value;
}
