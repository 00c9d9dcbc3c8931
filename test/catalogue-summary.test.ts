/**
 * The event catalogue's summary kept at write time (DuckDB): after any interleaving of batches,
 * duplicate ids, rolled-back batches, file imports (NDJSON, and Parquet through its fast path) and
 * folds, what a read sees (and, once folded, the tables) equals a count of the stored messages done
 * here in JavaScript, and its sender sketch equals one built from scratch over every stored event.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { foldNewEvents, readCatalogueSummary } from '../src/engine/duckdb/catalogue-summary.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { compileTraitKeys } from '../src/query/plans/catalogue.js';
import { eventCatalogue } from '../src/reports/catalogue.js';
import { reportContext } from '../src/reports/context.js';
import { normalizeAll } from './helpers/engines.js';
import { modelFromConfig } from '../src/config/model.js';

const dir = mkdtempSync(join(tmpdir(), 'truenorth-catalogue-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EVENTS = ['Signed Up', 'Message Sent', 'page.view'];
const KEYS = ['plan', 'path', 'with space'];
const BASE = Date.UTC(2025, 0, 6);
const MODEL = modelFromConfig(parseConfig(`
product: P
journey: { visit: { event: page.view }, signup: { event: Signed Up } }
north_star: { name: n, event: Message Sent, measure: count, frequency: week }
`));

interface Track { id: string; event: string; user?: string; anon?: string; minute: number; keys: string[] }

const track = fc.record({
  id: fc.integer({ min: 0, max: 40 }).map((n) => `m${n}`), // a small pool: many duplicates
  event: fc.constantFrom(...EVENTS),
  user: fc.option(fc.integer({ min: 0, max: 6 }).map((n) => `u${n}`), { nil: undefined }),
  anon: fc.integer({ min: 0, max: 6 }).map((n) => `a${n}`),
  minute: fc.integer({ min: 0, max: 60 * 24 * 30 }),
  keys: fc.subarray(KEYS),
});

/** An identify (traits of a user) or a group (traits of an account) message. */
const traitsMessage = fc.record({
  id: fc.integer({ min: 0, max: 10 }).map((n) => `t${n}`),
  type: fc.constantFrom('identify', 'group'),
  user: fc.integer({ min: 0, max: 3 }).map((n) => `u${n}`),
  keys: fc.subarray(['role', 'plan', 'seats']),
}).map((t) => ({
  type: t.type, messageId: t.id, userId: t.user, timestamp: new Date(BASE).toISOString(), traits: Object.fromEntries(t.keys.map((k) => [k, 1])),
  ...(t.type === 'group' ? { groupId: `acct-${t.user}` } : {}),
}));

const step = fc.oneof(
  fc.record({
    kind: fc.constant('batch' as const), source: fc.constantFrom('web', 'mobile'), rollback: fc.boolean(),
    tracks: fc.array(track, { maxLength: 12 }), traits: fc.array(traitsMessage, { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constantFrom('ndjson' as const, 'parquet' as const), tracks: fc.array(track, { minLength: 1, maxLength: 12 }) }),
  // The writer folds every FOLD_EVERY events; here, at any point.
  fc.constant({ kind: 'fold' as const }),
);

const timestamp = (t: Track) => new Date(BASE + t.minute * 60_000).toISOString();
const properties = (t: Track) => Object.fromEntries(t.keys.map((k) => [k, 1]));
const segment = (t: Track) => ({ type: 'track', messageId: t.id, event: t.event, userId: t.user, anonymousId: t.anon, timestamp: timestamp(t), properties: properties(t) });

/** What the store holds, by message id (the first copy wins); and the per-name counts it implies. */
class Expected {
  readonly stored = new Map<string, { t: Track; source: string }>();

  add(tracks: readonly Track[], source: string): void {
    for (const t of tracks) if (!this.stored.has(t.id)) this.stored.set(t.id, { t, source });
  }

  summary() {
    const events = new Map<string, { n: number; first: number; last: number; sources: Set<string>; senders: Set<string> }>();
    const keys = new Map<string, number>();
    for (const { t, source } of this.stored.values()) {
      const ms = BASE + t.minute * 60_000;
      const e = events.get(t.event) ?? { n: 0, first: ms, last: ms, sources: new Set<string>(), senders: new Set<string>() };
      e.n++;
      e.first = Math.min(e.first, ms);
      e.last = Math.max(e.last, ms);
      e.sources.add(source);
      e.senders.add(t.user ?? t.anon!);
      events.set(t.event, e);
      for (const k of t.keys) keys.set(`${t.event}\u0000${k}`, (keys.get(`${t.event}\u0000${k}`) ?? 0) + 1);
    }
    return { events, keys };
  }
}

let files = 0;
async function importFile(store: DuckDbStore, kind: 'ndjson' | 'parquet', tracks: readonly Track[]): Promise<void> {
  const ndjson = join(dir, `f${++files}.ndjson`);
  writeFileSync(ndjson, tracks.map((t) => JSON.stringify(segment(t))).join('\n') + '\n');
  if (kind === 'ndjson') {
    await importEvents(store, ndjson);
    return;
  }
  // The export's layout: every column text, `properties` a JSON text.
  const parquet = join(dir, `f${files}.parquet`);
  writeFileSync(ndjson, tracks.map((t) => JSON.stringify({
    type: 'track', event: t.event, userId: t.user ?? null, anonymousId: t.anon, timestamp: timestamp(t), messageId: t.id,
    'context.groupId': null, properties: JSON.stringify(properties(t)),
  })).join('\n') + '\n');
  const columns = ['type', 'event', 'userId', 'anonymousId', 'timestamp', 'messageId', 'context.groupId', 'properties'].map((c) => `'${c}': 'VARCHAR'`).join(', ');
  await store.run(`COPY (SELECT * FROM read_json('${ndjson}', columns = {${columns}})) TO '${parquet}' (FORMAT parquet)`);
  await importEvents(store, parquet);
}

async function maintained(store: DuckDbStore) {
  return {
    events: await store.all<{ event: string; n: number; first: number; last: number; sources: string[] }>(
      'SELECT event, n, epoch_ms(first_ts) AS first, epoch_ms(last_ts) AS last, sources FROM catalogue_events ORDER BY event'),
    keys: await store.all<{ event: string; key: string; n: number }>('SELECT event, key, n FROM catalogue_property_keys ORDER BY event, key'),
    senders: await store.all('SELECT event, register, max_rank FROM catalogue_senders ORDER BY event, register'),
  };
}

/** The sender sketch folded again from every stored event, in one go. */
async function sendersFromScratch(store: DuckDbStore) {
  return store.transaction(async () => {
    for (const table of ['catalogue_events', 'catalogue_senders', 'catalogue_property_keys']) await store.run(`DELETE FROM ${table}`);
    await store.run('UPDATE catalogue_watermark SET events = 0');
    await foldNewEvents(store);
    return (await maintained(store)).senders;
  });
}

describe('the catalogue summary kept at write time', () => {
  it('equals a recount of the stored messages after any batches, duplicates, rollbacks and imports', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
      const store = await DuckDbStore.open(':memory:');
      const expected = new Expected();
      const writers = new Map<string, IngestWriter>();
      try {
        for (const s of steps) {
          if (s.kind === 'batch') {
            const writer = writers.get(s.source) ?? new IngestWriter(store, s.source);
            writers.set(s.source, writer);
            const write = store.transaction(async () => {
              await writer.write(normalizeAll([...s.tracks.map(segment), ...s.traits]));
              if (s.rollback) throw new Error('rolled back');
            });
            if (s.rollback) await expect(write).rejects.toThrow('rolled back');
            else {
              await write;
              expected.add(s.tracks, s.source);
            }
          } else if (s.kind === 'fold') {
            await store.transaction(() => foldNewEvents(store));
          } else {
            await importFile(store, s.kind, s.tracks);
            expected.add(s.tracks, `file:${s.kind}`);
          }
        }
        const { events, keys } = expected.summary();
        const byName = <T,>(map: Map<string, T>) => [...map].sort(([a], [b]) => (a < b ? -1 : 1));
        // What a read sees: the summary with the rows past its watermark merged in.
        const read = await readCatalogueSummary(store);
        expect(read.events.map((e) => [e.event, e.n, e.first_ms, e.last_ms, e.sources]).sort()).toEqual(
          byName(events).map(([event, e]) => [event, e.n, e.first, e.last, [...e.sources].sort()]));
        expect(read.keys.map((k) => [k.event, k.key, k.n]).sort()).toEqual(byName(keys).map(([k, n]) => [...k.split('\u0000'), n]));
        // Folded: the same in the tables, the sender estimates unchanged.
        await store.transaction(() => foldNewEvents(store));
        expect((await readCatalogueSummary(store)).senders).toEqual(read.senders);
        const got = await maintained(store);
        expect(got.events).toEqual([...events].sort(([a], [b]) => (a < b ? -1 : 1)).map(([event, e]) => ({
          event, n: e.n, first: e.first, last: e.last, sources: [...e.sources].sort(),
        })));
        expect(got.keys).toEqual([...keys].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => ({ event: k.split('\u0000')[0], key: k.split('\u0000')[1], n })));
        const [{ watermark, stored }] = await store.all<{ watermark: number; stored: number }>(
          'SELECT (SELECT events FROM catalogue_watermark) AS watermark, (SELECT count(*) FROM events) AS stored');
        expect([watermark, stored]).toEqual([expected.stored.size, expected.stored.size]);
        expect(await sendersFromScratch(store)).toEqual(got.senders);
        // The report read from the summary: exact senders at this size; trait keys as a recount of the current traits.
        const ctx = reportContext(store, MODEL);
        const catalogue = await eventCatalogue(ctx);
        expect(catalogue.events.map((e) => [e.event, e.count, e.actors]).sort()).toEqual([...events].map(([name, e]) => [name, e.n, e.senders.size]).sort());
        for (const table of ['users', 'accounts'] as const) {
          const recount = (await store.all<{ key: string; n: number }>(compileTraitKeys(ctx.query, table).sql)).map((r) => ({ key: r.key, count: r.n }));
          expect(catalogue[table === 'users' ? 'user_traits' : 'account_traits']).toEqual(recount);
        }
      } finally {
        await store.close();
      }
    }), { numRuns: 25 });
  }, 120_000);

  it('rows stored by a bulk copy are read past the watermark, and folded once', async () => {
    const store = await DuckDbStore.open(':memory:');
    try {
      await new IngestWriter(store, 'web').write(normalizeAll([segment({ id: 'x1', event: 'Signed Up', user: 'u1', minute: 0, keys: ['plan'] })]));
      await store.run(`INSERT INTO events SELECT id || '~copy', id_hash + 1, event, ts, user_id || '~copy', anonymous_id, account_id, properties, received_at, source FROM events`);
      const model = MODEL;
      const stale = await eventCatalogue(reportContext(store, model));
      expect(stale.events).toMatchObject([{ event: 'Signed Up', count: 2, actors: 2 }]);
      expect(await store.transaction(() => foldNewEvents(store))).toBe(2); // the writer left its one row for a later fold
      expect(await eventCatalogue(reportContext(store, model))).toEqual(stale);
      expect((await maintained(store)).events).toMatchObject([{ event: 'Signed Up', n: 2 }]);
    } finally {
      await store.close();
    }
  });
});
