import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema/index.js';
import type { WriteQueue } from '../engine/duckdb/write-queue.js';
import type { MetricModel } from '../model/from-config.js';
import type { KeyRing, Principal } from './keys.js';
import type { SessionStore } from './session-store.js';

/** What the route modules need of the server that registers them. */
export interface RouteHost {
  readonly app: FastifyInstance;
  readonly queue: WriteQueue;
  readonly keys: KeyRing;
  readonly sessions: SessionStore;
  readonly readsNeedKey: boolean;
  /** The engine events are stored in. */
  readonly engine: 'duckdb' | 'clickhouse';
  /** Secret key, admin token or dashboard session; with `open`, loopback servers let anyone on this machine through. */
  authSecret(req: FastifyRequest, open: boolean): void;
  verifySignIn(req: FastifyRequest, token: string): Principal;
  loadedConfig(): { config: Config; model: MetricModel } | undefined;
}
