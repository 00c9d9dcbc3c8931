import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/schema/index.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import type { MetricModel } from '../model/metric-model.js';
import type { ServerContext } from './context.js';
import type { Principal } from './keys.js';
import type { SessionStore } from './session-store.js';

/** What the dashboard's session and write routes use of the server, beyond every route's ServerContext. */
export interface RouteHost extends ServerContext {
  readonly sessions: SessionStore;
  readonly readsNeedKey: boolean;
  verifySignIn(req: FastifyRequest, token: string): Principal;
  /** The config (re-read when the file changes) and its model; undefined when started without one. */
  loadedConfig(): { config: Config; model: MetricModel } | undefined;
  /** Runs `work` on the engine reports read: ClickHouse when events go there, else a DuckDB reader. */
  withReportEngine<T>(work: (engine: SqlEngine) => Promise<T>, timeoutMs?: number): Promise<T>;
}
