import type { Config } from '../config/schema/index.js';
import { firstGap, readerCapabilities } from '../engine/capabilities.js';
import { TruenorthError } from '../errors.js';
import type { MetricModel } from '../model/metric-model.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import { reportContext } from '../reports/context.js';
import type { QueryCache } from '../reports/query-cache.js';
import type { ParamsSchema, ReadOperation, WriteOperation } from './operation.js';
import { asOfParam, parseBody, parseParams, type ParamStyle } from './wire.js';

/** A read whose parameters have been checked: it runs on any engine. */
export interface PreparedRead<R = unknown> {
  asOf: number;
  run(engine: SqlEngine, config: Config, model: MetricModel, cache?: QueryCache): Promise<R>;
}

/**
 * Checks the parameters (camelCase keys, text values; switches may be booleans) before any engine is
 * opened, so a bad one is refused at once; what every entrance does.
 */
export function prepareRead<S extends ParamsSchema, R>(op: ReadOperation<S, R>, raw: Record<string, unknown>, style: ParamStyle): PreparedRead<R> {
  const asOf = asOfParam(raw, style);
  const params = parseParams(op.params, raw, style);
  return {
    asOf,
    run(engine, config, model, cache) {
      const gap = firstGap(readerCapabilities(engine), op.needs ?? []);
      if (gap) return Promise.reject(new TruenorthError('not_supported', `the ${op.name} read is not supported here: ${gap.reason}`));
      return op.run({ ...reportContext(engine, model, asOf, cache), config }, params);
    },
  };
}

/** Checks a write's body against its schema and truenorth.yaml, before any store is opened. */
export function checkWrite<S extends ParamsSchema, C, R>(op: WriteOperation<S, C, R>, body: Record<string, unknown>, config: Config | undefined): C {
  return op.check(config, parseBody(op.body, body));
}
