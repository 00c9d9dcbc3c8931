/**
 * A truenorth server on either engine, driven in process (Fastify's inject): what the write cases
 * (`write-cases.ts`) talk to. The DuckDB server keeps everything in one in-memory store; the ClickHouse
 * server keeps its keys in an in-memory DuckDB store and everything else in the (emptied) chdb store.
 */
import Stripe from 'stripe';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { duckDbControl } from '../../src/engine/duckdb/control.js';
import type { ClickHouseStore } from '../../src/engine/clickhouse/store.js';
import { TruenorthServer } from '../../src/server/app.js';
import { createKey } from '../../src/server/keys.js';
import { truncateClickHouse } from '../helpers/engines.js';
import type { EngineName } from './cases.js';

export const STRIPE_SECRET = 'whsec_conformance';

/** A non-2xx answer: the status, the error code and the message the server gave. */
export class Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`${status} ${code}: ${message}`);
  }
}

export interface Client {
  engine: EngineName;
  server: TruenorthServer;
  /** The write key ingestion is sent with (PostHog's api_key). */
  writeKey: string;
  /** POST a JSON body with the write key (ingestion) or none (the API on loopback); answers the body. */
  post(path: string, body: unknown, auth?: 'write'): Promise<any>;
  /** POST a file's text, as the CLI streams one to the import routes. */
  upload(path: string, text: string): Promise<any>;
  /** GET /api/v1/<path>: a read's JSON. */
  read(path: string): Promise<any>;
  /** GET a raw response body (exports). */
  text(path: string): Promise<{ text: string; headers: Record<string, unknown> }>;
  /** A Stripe event, signed with the server's webhook secret. */
  stripe(event: object): Promise<any>;
}

export async function startClient(engine: EngineName, configPath: string, clickhouse?: ClickHouseStore): Promise<Client & { close(): Promise<void> }> {
  const control = await DuckDbStore.open(':memory:');
  if (clickhouse) await truncateClickHouse(clickhouse);
  const key = await createKey(duckDbControl(control).keys, 'write', 'conformance');
  const server = await TruenorthServer.create({
    store: control, clickhouse, configPath, logger: false, stripeSecret: STRIPE_SECRET, port: 0, clickhouseBatching: { maxDelayMs: 10 },
  });
  const writeAuth = `Basic ${Buffer.from(`${key.token}:`).toString('base64')}`;
  const answer = async (res: { statusCode: number; body: string }) => {
    const body = res.body === '' ? undefined : JSON.parse(res.body);
    if (res.statusCode >= 300) throw new Refusal(res.statusCode, body?.error ?? '', body?.message ?? res.body);
    return body;
  };
  const stripeApi = new Stripe('sk_test_conformance');
  return {
    engine, server, writeKey: key.token,
    post: async (path, body, auth) => answer(await server.app.inject({
      method: 'POST', url: path, payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(auth === 'write' ? { authorization: writeAuth } : {}) },
    })),
    upload: async (path, text) => answer(await server.app.inject({ method: 'POST', url: path, payload: text, headers: { 'content-type': 'application/octet-stream' } })),
    read: async (path) => answer(await server.app.inject({ url: `/api/v1/${path}` })),
    text: async (path) => {
      const res = await server.app.inject({ url: path });
      if (res.statusCode >= 300) await answer(res);
      return { text: res.body, headers: res.headers };
    },
    stripe: async (event) => {
      const payload = JSON.stringify(event);
      const signature = stripeApi.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
      return answer(await server.app.inject({ method: 'POST', url: '/webhooks/stripe', payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } }));
    },
    async close() {
      await server.close();
      await control.close();
    },
  };
}
