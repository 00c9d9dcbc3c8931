import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WriteQueue } from '../engine/duckdb/write-queue.js';
import type { IngestSink } from '../engine/sink.js';
import type { StorePort } from '../engine/port.js';
import type { ControlStore } from '../engine/control.js';
import type { Dialect } from '../engine/sql-engine.js';
import type { Auth } from './auth.js';
import type { KeyRing } from './keys.js';
import type { Limits } from './payload.js';
import type { ParsePool } from './parse-pool.js';

/** What the server's route modules use of it (TruenorthServer implements it); they never import the server itself. */
export interface ServerContext {
  readonly app: FastifyInstance;
  /** The DuckDB write queue: keys, the ledger and imports are written through it. */
  readonly queue: WriteQueue;
  /** The store reports read and ingestion, imports and the team's tables write. */
  readonly events: StorePort;
  /** Where ingested messages go. */
  readonly sink: IngestSink;
  readonly keys: KeyRing;
  /** Keys, dashboard sessions and digest claims, shared with every server on the same store. */
  readonly control: ControlStore;
  /** Re-reads the keys after a change. */
  reloadKeys(): Promise<void>;
  readonly limits: Limits;
  /** Parses and validates ingestion requests off the writing thread. */
  readonly parsePool: ParsePool;
  readonly auth: Auth;
  /** The engine events are stored in (its SQL dialect). */
  readonly engine: Dialect;
  /** True once the server began closing. */
  readonly shuttingDown: boolean;
  /** Secret key, admin token or dashboard session; with `open`, loopback servers let anyone on this machine through. */
  authSecret(req: FastifyRequest, open: boolean): Promise<void>;
}
