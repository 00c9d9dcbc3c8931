/**
 * The two ways the writer puts events into `events` (the appender, and one INSERT run on DuckDB's
 * threads from the rows handed over as text) store the same rows, byte for byte: ids and names with
 * odd characters, the separator the statement splits on, NULs, nulls, timestamps at the edges of the
 * range, and `id_hash` equal to the dedupe index's fingerprint. The one difference: a lone surrogate
 * (which the server's parse already replaces) becomes U+FFFD in the statement's properties too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { fingerprint, fingerprintValue } from '../src/engine/ingest/dedupe-index.js';
import { IngestWriter, type EventsInsert } from '../src/engine/ingest/writer.js';
import type { TrackedEvent } from '../src/model/message.js';

const event = (id: string, over: Partial<TrackedEvent> = {}): TrackedEvent => ({
  kind: 'event', id, event: 'Message Sent', timestamp: Date.UTC(2026, 2, 2, 10), userId: 'u1', anonymousId: null, accountId: 'acct-1',
  properties: { plan: 'pro', n: 1 }, ...over,
});

const EVENTS: TrackedEvent[] = [
  event('plain'),
  event('unit\u001fseparator', { event: 'a\u001fb', properties: { 'k\u001f': 'v\u001fw' } }),
  event('nul\u0000byte', { userId: 'u\u0000', properties: { s: 'x\u0000y' } }),
  event('lone-\ud800', { event: 'half \udc00 pair', userId: null, anonymousId: 'a\udbff', accountId: null, properties: { ['k\udbff']: 'v\ud83d', ok: '\ud83d\ude00' } }),
  event('nulls', { userId: null, anonymousId: 'anon-1', accountId: null, properties: {} }),
  event('unicode-é漢字😀', { event: 'Événement "quoted" \\ back', properties: { nested: { list: [1, 2.5, -3e-7, 1e21, null, true] }, big: 12345678901234567890 } }),
  event('earliest', { timestamp: Date.UTC(1970, 0, 1) }),
  event('latest', { timestamp: Date.UTC(2199, 11, 31, 23, 59, 59, 999) }),
  event('plain'), // repeated in the batch: stored once
];

async function stored(how: EventsInsert): Promise<unknown[]> {
  const store = await DuckDbStore.open(':memory:');
  try {
    const writer = new IngestWriter(store, 'http:segment', { eventsInsert: how });
    const counts = await store.transaction(() => writer.write(EVENTS, Date.UTC(2026, 2, 3)));
    expect(counts).toEqual({ inserted: EVENTS.length - 1, duplicates: 1 });
    return await store.all(`
      SELECT id, id_hash::VARCHAR AS id_hash, event, epoch_ms(ts) AS ts, user_id, anonymous_id, account_id, properties::VARCHAR AS properties,
        epoch_ms(received_at) AS received_at, source
      FROM events ORDER BY id`);
  } finally {
    await store.close();
  }
}

describe('the two ways of inserting events', () => {
  let appender: unknown[];
  let statement: unknown[];
  beforeAll(async () => {
    [appender, statement] = [await stored('appender'), await stored('statement')];
  });

  it('store the same rows, but for properties holding a lone surrogate', () => {
    expect(statement).toHaveLength(EVENTS.length - 1);
    const lone = (r: unknown) => (r as { id: string }).id.startsWith('lone-');
    expect(statement.filter((r) => !lone(r))).toEqual(appender.filter((r) => !lone(r)));
    // The appender keeps the JSON text's \udbff escape, which DuckDB's JSON functions refuse to read.
    const [fromAppender, fromStatement] = [appender.find(lone), statement.find(lone)] as { properties: string }[];
    expect(fromAppender.properties).toContain('\\udbff');
    expect({ ...fromStatement, properties: '' }).toEqual({ ...fromAppender, properties: '' });
  });

  it('store id_hash as the fingerprint the dedupe index keeps', () => {
    for (const row of statement as { id: string; id_hash: string }[]) {
      expect(row.id_hash).toBe(fingerprintValue(fingerprint(row.id)).toString());
    }
  });

  it('replace a lone surrogate by U+FFFD, keeping a whole pair', () => {
    const row = (statement as { id: string; event: string; properties: string }[]).find((r) => r.id.startsWith('lone-'))!;
    expect(row.id).toBe('lone-\ufffd');
    expect(row.event).toBe('half \ufffd pair');
    expect(JSON.parse(row.properties)).toEqual({ 'k\ufffd': 'v\ufffd', ok: '\ud83d\ude00' });
  });
});
