import type { SqlEngine } from '../engine/sql-engine.js';
import type { QueryContext } from '../query/context.js';
import type { CompiledQuery, SqlDialect } from '../query/dialect.js';
import { clickhouseDialect } from '../query/dialects/clickhouse.js';
import { duckdbDialect } from '../query/dialects/duckdb.js';
import type { QueryCache } from './query-cache.js';
import { type MetricModel } from '../model/metric-model.js';

/** A model bound to an engine: what every report runner takes. */
export interface ReportContext {
  engine: SqlEngine;
  model: MetricModel;
  query: QueryContext;
  /** "Now" for defaults and for what counts as a complete period (ms). */
  asOf: number;
  /** Results reused while the data is unchanged (a long-running process: the server). */
  cache?: QueryCache;
}

const DIALECTS: Record<SqlEngine['dialect'], () => SqlDialect> = {
  duckdb: () => duckdbDialect,
  clickhouse: () => clickhouseDialect,
};

export function reportContext(engine: SqlEngine, model: MetricModel, asOf: number = Date.now(), cache?: QueryCache): ReportContext {
  return {
    engine,
    model,
    asOf,
    ...(cache ? { cache } : {}),
    query: { dialect: DIALECTS[engine.dialect](), time: model.time, idealUser: model.idealUser },
  };
}

export function run<T = Record<string, unknown>>(ctx: ReportContext, q: CompiledQuery): Promise<T[]> {
  return ctx.cache ? ctx.cache.run<T>(ctx.engine, q) : ctx.engine.all<T>(q.sql, q.params);
}
