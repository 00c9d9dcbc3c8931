/**
 * The writer's dedupe against a real store: an index loaded from the stored fingerprints refuses the
 * stored ids (events and identity messages) by checking their whole `id_hash`, stores the new ones,
 * and a rolled-back write leaves nothing remembered, so its retry is stored.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { forgetDedupeIndex, IngestWriter } from '../src/engine/ingest/writer.js';
import type { NormalizedMessage } from '../src/model/message.js';

const at = Date.UTC(2026, 2, 2, 10);
const event = (id: string): NormalizedMessage => ({
  kind: 'event', id, event: 'Message Sent', timestamp: at, userId: 'u1', anonymousId: null, accountId: null, properties: {},
});
const identify = (id: string): NormalizedMessage => ({
  kind: 'identify', id, timestamp: at, userId: 'u1', anonymousId: null, accountId: null, traits: { plan: 'pro' },
});

describe('dedupe on a store', () => {
  let store: DuckDbStore;
  let writer: IngestWriter;
  beforeEach(async () => {
    store = await DuckDbStore.open(':memory:');
    writer = new IngestWriter(store, 'http:segment');
  });
  afterEach(() => store.close());

  const write = (messages: NormalizedMessage[]) => store.transaction(() => writer.write(messages));
  const storedIds = async () => (await store.all<{ id: string }>(
    'SELECT id FROM events UNION ALL SELECT id FROM identity_messages ORDER BY id')).map((r) => r.id);

  it('refuses the stored ids once the index is loaded from the store, and stores the new ones', async () => {
    expect(await write([event('e1'), event('e2'), identify('i1')])).toEqual({ inserted: 3, duplicates: 0 });
    forgetDedupeIndex(store); // the next write loads the index from what is stored
    expect(await write([event('e2'), event('e3'), identify('i1'), event('e3'), identify('i2'), event('e1')]))
      .toEqual({ inserted: 2, duplicates: 4 });
    // Asked again (the ids found stored are now remembered whole): the same answer, nothing stored twice.
    expect(await write([event('e1'), identify('i1'), event('e4')])).toEqual({ inserted: 1, duplicates: 2 });
    expect(await storedIds()).toEqual(['e1', 'e2', 'e3', 'e4', 'i1', 'i2']);
  });

  it('stores the retry of a write that rolled back', async () => {
    await write([event('e1')]);
    forgetDedupeIndex(store);
    await expect(store.transaction(async () => {
      await writer.write([event('e1'), event('e2')]);
      throw new Error('the commit failed');
    })).rejects.toThrow('the commit failed');
    expect(await write([event('e1'), event('e2')])).toEqual({ inserted: 1, duplicates: 1 });
    expect(await storedIds()).toEqual(['e1', 'e2']);
  });
});
