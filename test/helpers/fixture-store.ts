import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { normalizeMessage } from '../../src/engine/ingest/normalize.js';
import { IngestWriter } from '../../src/engine/ingest/writer.js';
import { parseConfig } from '../../src/config/load.js';
import { reportContext, type ReportContext } from '../../src/reports/context.js';
import type { NormalizedMessage } from '../../src/model/message.js';
import { modelFromConfig } from '../../src/config/model.js';

/** Runs `work` on a fresh in-memory store, closed afterwards whatever happens. */
export async function withMemoryStore<T>(work: (store: DuckDbStore) => Promise<T>): Promise<T> {
  const store = await DuckDbStore.open(':memory:');
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Writes messages to a fresh in-memory store, one import per batch (later batches arrive later). */
export function storeFrom(...batches: unknown[][]): Promise<DuckDbStore> {
  return storeAt(':memory:', ...batches);
}

/** Writes messages to a store at `path` (a file, or `:memory:`), one import per batch. */
export async function storeAt(path: string, ...batches: unknown[][]): Promise<DuckDbStore> {
  const store = await DuckDbStore.open(path);
  const writer = new IngestWriter(store, 'test');
  for (const batch of batches) {
    const messages: NormalizedMessage[] = [];
    for (const raw of batch) {
      const r = normalizeMessage(raw);
      if (!r.ok) throw new Error(`fixture message rejected: ${r.error}: ${JSON.stringify(raw)}`);
      messages.push(...r.messages);
    }
    await store.transaction(() => writer.write(messages));
  }
  return store;
}

export function contextFor(store: DuckDbStore, yaml: string, asOf: string): ReportContext {
  return reportContext(store, modelFromConfig(parseConfig(yaml)), Date.parse(asOf));
}

let counter = 0;
/** Segment message builders for fixtures. */
export const seg = {
  page: (ids: { userId?: string; anonymousId?: string }, timestamp: string, properties: object = {}) =>
    ({ type: 'page', ...ids, timestamp, properties, messageId: `m${++counter}` }),
  track: (event: string, ids: { userId?: string; anonymousId?: string }, timestamp: string, properties: object = {}) =>
    ({ type: 'track', event, ...ids, timestamp, properties, messageId: `m${++counter}` }),
  identify: (userId: string, traits: object, timestamp: string) =>
    ({ type: 'identify', userId, traits, timestamp, messageId: `m${++counter}` }),
  group: (userId: string, groupId: string, traits: object, timestamp: string) =>
    ({ type: 'group', userId, groupId, traits, timestamp, messageId: `m${++counter}` }),
};
