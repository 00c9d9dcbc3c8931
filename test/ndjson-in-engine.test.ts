/**
 * The in-engine NDJSON path stores exactly what the normaliser stores: the same file imported with
 * it and without it (`inEngine: false`) gives the same report (counts, rejected lines and reasons),
 * the same rows in every table the import writes, and the same quality counts — on every shape and
 * edge case at once, on many random messages, across batches, and under --strict.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents, type ImportOptions } from '../src/engine/ingest/import-events.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-ndjson-engine-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const TABLES: Record<string, string> = {
  // A timestamp from the future becomes the time of the import, which differs by construction.
  events: `SELECT id, id_hash::VARCHAR, event, CASE WHEN contains(properties::VARCHAR, '"$original_timestamp"') THEN NULL ELSE ts END, user_id, anonymous_id, account_id, properties::VARCHAR, source FROM events`,
  identity_messages: 'SELECT * EXCLUDE (received_at) FROM identity_messages',
  identity_links: 'SELECT * FROM identity_links',
  // Its `ts` is a lower bound of the person's latest event naming an account, which depends on how the
  // events were batched even on one path: the account itself is what must agree.
  user_event_accounts: 'SELECT person, account_id FROM user_event_accounts',
  users: 'SELECT * FROM users',
  accounts: 'SELECT * FROM accounts',
  quality: 'SELECT * EXCLUDE (day) FROM quality_counts',
};

async function stored(store: DuckDbStore): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(TABLES)) out[name] = await store.all(`SELECT * FROM (${sql}) ORDER BY ALL`);
  return out;
}

/** Imports `paths` in order into two stores, through the engine and through the normaliser; answers both. */
async function both(paths: string[], options: ImportOptions = {}) {
  const run = async (inEngine: boolean) => {
    const store = await DuckDbStore.open(':memory:');
    try {
      const reports = [];
      // The rows the engine stored from the last batch of each file (its working table outlives the import).
      let engineRows = 0;
      for (const path of paths) {
        reports.push(await importEvents(store, path, { ...options, inEngine }).catch((e: Error) => e.message));
        const [{ n }] = await store.all<{ n: number }>('SELECT count(*) AS n FROM nd_norm').catch(() => [{ n: 0 }]);
        engineRows = Math.max(engineRows, Number(n));
      }
      return { reports, tables: await stored(store), engineRows };
    } finally {
      await store.close();
    }
  };
  return { engine: await run(true), normaliser: await run(false) };
}

const T = '2026-03-04T05:06:07.890Z';
const track = (over: Record<string, unknown>) => JSON.stringify({ type: 'track', event: 'Clicked', userId: 'u1', timestamp: T, messageId: `m${Math.random()}`, ...over });
const posthog = (over: Record<string, unknown>) => JSON.stringify({ event: 'Signed Up', distinct_id: 'd1', timestamp: T, uuid: `p${Math.random()}`, ...over });

/** One line of every shape and edge case the rules name, plus lines only the normaliser reads. */
const EDGE_LINES = [
  '\ufeff' + track({ messageId: 'byte-order-mark' }),
  track({ messageId: 'plain', properties: { a: 1, b: 'x', c: true, d: null, n: { deep: [1, 2, { x: 'y' }] } } }),
  track({ messageId: 'no-type', type: undefined, properties: { plan: 'pro' } }),
  track({ messageId: 'type-null', type: null }),
  track({ messageId: 'anon-only', userId: undefined, anonymousId: 'a1', context: { groupId: 'acct-1' } }),
  track({ messageId: 'both-ids', userId: 'u2', anonymousId: 'a2' }),
  track({ messageId: 'group-numeric', context: { groupId: 42 } }),
  track({ messageId: 'group-empty', context: { groupId: '' }, properties: { account_id: 'acct-2' } }),
  track({ messageId: 'group-bad', context: { groupId: { x: 1 } } }),
  track({ messageId: 'account-bad', properties: { account_id: true } }),
  track({ messageId: 123, userId: 456 }),
  track({ messageId: 12345678901234567, userId: 'big' }),
  track({ messageId: 'float-id', userId: 1.5 }),
  track({ messageId: undefined, event: 'No id' }),
  track({ messageId: '' }),
  track({ messageId: 'epoch', timestamp: 1767225600123 }),
  track({ messageId: 'offset', timestamp: '2026-03-04T07:06:07.890+02:00' }),
  track({ messageId: 'micros', timestamp: '2026-03-04T05:06:07.890123Z' }),
  track({ messageId: 'feb30', timestamp: '2026-02-30T05:06:07Z' }),
  track({ messageId: 'future', timestamp: '2199-01-01T00:00:00Z' }),
  track({ messageId: 'too-old', timestamp: '1969-12-31T23:59:59Z' }),
  track({ messageId: 'ts-null', timestamp: null, originalTimestamp: T }),
  track({ messageId: 'original', timestamp: undefined, originalTimestamp: '2026-01-02T03:04:05Z' }),
  track({ messageId: 'received', timestamp: undefined, receivedAt: '2026-01-02T03:04:05Z', sentAt: 'garbage' }),
  track({ messageId: 'sent', timestamp: undefined, sentAt: '2026-01-02T03:04:05.5Z' }),
  track({ messageId: 'no-ts', timestamp: undefined }),
  track({ messageId: 'unicode', event: 'Café ☕ 😀', properties: { name: 'Zoë — ünïcode', e: '😀' } }),
  track({ messageId: 'escapes', properties: { q: 'say "hi"', nl: 'a\nb', tab: 'a\tb', ls: 'a\u2028b', c: '\u0001' } }),
  track({ messageId: 'event-escape', event: 'Line\nBreak' }),
  track({ messageId: 'long-event', event: 'e'.repeat(513) }),
  track({ messageId: 'edge-event', event: 'é'.repeat(300) }),
  track({ messageId: 'empty-event', event: '' }),
  track({ messageId: 'props-array', properties: [1, 2] }),
  track({ messageId: 'props-string', properties: 'x' }),
  track({ messageId: 'no-user', userId: undefined }),
  '{"type":"track","event":"Num","userId":"u1","timestamp":"' + T + '","messageId":"numbers","properties":{"a":1.0,"b":1e5,"c":0.1,"d":-0,"e":12345678901234567890,"f":1.5e-7,"g":0.00001,"h":-0.5,"i":123.456}}',
  '{"type":"track","event":"Keys","userId":"u1","timestamp":"' + T + '","messageId":"digit-keys","properties":{"b":1,"2":2,"1":1}}',
  '{"type":"track","event":"Dup","userId":"u1","timestamp":"' + T + '","messageId":"dup-props","properties":{"a":1,"a":2}}',
  '{"type":"track","event":"Dup","userId":"u1","timestamp":"' + T + '","messageId":"dup-nested","properties":{"a":{"x":1,"x":2}}}',
  '{"type":"track","event":"First","event":"Second","userId":"u1","timestamp":"' + T + '","messageId":"dup-top"}',
  '{"type":"track","event":"Spaced" , "userId" : "u1", "timestamp":"' + T + '","messageId":"spaced","properties": { "a" : [ 1 , 2 ] } }',
  '{"type":"track","event":"NaN","userId":"u1","timestamp":"' + T + '","messageId":"nan","x":NaN}',
  '{"type":"track","event":"Comma","userId":"u1","timestamp":"' + T + '","messageId":"comma",}',
  '{"type":"track","event":"Inf","userId":"u1","timestamp":"' + T + '","messageId":"infinity","properties":{"info":"infinite nan"}}',
  // What the typed read cannot tell: nulls the normaliser tells from absent keys, escaped keys, odd contexts, lines it refuses.
  '{"typ\\u0065":null,"event":"Escaped null","distinct_id":"d1","timestamp":"' + T + '","uuid":"escaped-null-type"}',
  '{"\\u0074ype":"track","event":"Escaped key","userId":"u1","timestamp":"' + T + '","messageId":"escaped-key"}',
  '{"type":null,"event":"Null type","distinct_id":"d1","timestamp":"' + T + '","uuid":"null-type-posthog"}',
  posthog({ uuid: 'ph-sent-at-null', sent_at: null }),
  posthog({ uuid: 'ph-set-null', $set: null }),
  posthog({ uuid: 'ph-distinct-null', distinct_id: null, properties: { distinct_id: 'd8' } }),
  track({ messageId: 'context-string', context: 'str' }),
  track({ messageId: 'context-array', context: [1] }),
  track({ messageId: 'page-string', context: { page: 'str', groupId: 'acct-3' } }),
  JSON.stringify({ type: 'page', anonymousId: 'a3', timestamp: T, messageId: 'page-path-null', context: { page: { url: 'u', path: null } } }),
  '{"type":"track","event":"Dup ctx","userId":"u1","timestamp":"' + T + '","messageId":"dup-context","context":{"groupId":"g1","groupId":"g2"}}',
  '{"type":"track","event":"Dup lib","userId":"u1","timestamp":"' + T + '","messageId":"dup-library","context":{"library":{"x":1,"x":2}}}',
  '{"__truenorth_line":5,"type":"track","event":"Own key","userId":"u1","timestamp":"' + T + '","messageId":"own-line-key"}',
  '{}',
  track({ messageId: 'two-1' }) + track({ messageId: 'two-2' }),
  ' ' + track({ messageId: 'leading-space' }),
  track({ messageId: 'trailing-space' }) + ' ',
  '{"type":"track","event":"Lower nan","userId":"u1","timestamp":"' + T + '","messageId":"lower-nan","context":{"x":-nan}}',
  '{"type":"track","event":"Inf","userId":"u1","timestamp":"' + T + '","messageId":"inf","context":{"x":[1, -Infinity]}}',
  '{"type":"track","event":"Comma","userId":"u1","timestamp":"' + T + '","messageId":"comma-space","context":{"x":[1,\t]}}',
  '{"type":"track","event":"Bad","userId":"u1","timestamp":"' + T + '","messageId":"bad-value","x":tru}',
  '{"type":"track","event":"Surrogate","userId":"u1","timestamp":"' + T + '","messageId":"lone-surrogate","properties":{"s":"\\ud800"}}',
  '{"type":"track","event":"Html","userId":"u1","timestamp":"' + T + '","messageId":"html-escapes","properties":{"h":"\\u003cb\\u003e \\u0026"}}',
  '{"type":"track","event":"Big","userId":"u1","timestamp":"' + T + '","messageId":"big-number","properties":{"x":1e999}}',
  '{"type":"track", not json',
  '',
  '   ',
  '[1, 2]',
  '"just a string"',
  `[${track({ messageId: 'in-array-1' })}, ${track({ messageId: 'in-array-2' })}]`,
  JSON.stringify({ batch: [JSON.parse(track({ messageId: 'in-batch' }))] }),
  JSON.stringify({ type: 'page', name: 'Home', category: 'Docs', anonymousId: 'a3', timestamp: T, messageId: 'page', properties: { title: 'Home' }, context: { page: { url: 'https://x.test/', path: '/' } } }),
  JSON.stringify({ type: 'page', name: 'Home', anonymousId: 'a3', timestamp: T, messageId: 'page-name-clash', properties: { name: 'Other' } }),
  JSON.stringify({ type: 'page', anonymousId: 'a3', timestamp: T, messageId: 'page-url-null', context: { page: { url: null, path: 5 } } }),
  JSON.stringify({ type: 'page', anonymousId: 'a3', timestamp: T, messageId: 'page-own-url', properties: { url: 'own' }, context: { page: { url: 'ctx', path: '/p' } } }),
  JSON.stringify({ type: 'page', anonymousId: 'a3', timestamp: T, messageId: 'page-name-number', name: 7, properties: {} }),
  JSON.stringify({ type: 'screen', name: 'Settings', userId: 'u3', timestamp: T, messageId: 'screen', context: { page: { url: 'ignored' } } }),
  JSON.stringify({ type: 'identify', userId: 'u4', anonymousId: 'a4', timestamp: T, messageId: 'identify', traits: { plan: 'pro' } }),
  JSON.stringify({ type: 'group', userId: 'u4', groupId: 'acct-4', timestamp: T, messageId: 'group', traits: { name: 'Acme' } }),
  JSON.stringify({ type: 'alias', userId: 'u5', previousId: 'a5', timestamp: T, messageId: 'alias' }),
  track({ messageId: 'after-alias', userId: 'u5', anonymousId: 'a5', timestamp: '2026-03-05T00:00:00Z' }),
  posthog({ uuid: 'ph-plain', properties: { plan: 'free', $lib: 'web' } }),
  posthog({ uuid: 'ph-identified', properties: { $is_identified: true, $groups: { company: 'acct-9' } } }),
  posthog({ uuid: 'ph-group-other', properties: { $groups: { team: 't1' } } }),
  posthog({ uuid: 'ph-group-empty', properties: { $groups: {}, account_id: 'acct-8' } }),
  posthog({ uuid: 'ph-pageview', event: '$pageview', properties: { $current_url: 'https://x.test/a', $pathname: '/a' } }),
  posthog({ uuid: 'ph-pageview-url', event: '$pageview', properties: { url: 'mine', $current_url: null } }),
  posthog({ uuid: 'ph-screen', event: '$screen', properties: { $screen_name: 'Home' } }),
  posthog({ uuid: 'ph-screen-clash', event: '$screen', properties: { $screen_name: 'Home', name: 'x' } }),
  posthog({ uuid: 'ph-set', properties: { $set: { email: 'x@y.z' } } }),
  posthog({ uuid: 'ph-set-top', $set: { email: 'x@y.z' } }),
  posthog({ uuid: 'ph-identify', event: '$identify', properties: { $anon_distinct_id: 'd0' } }),
  posthog({ uuid: undefined, event: 'No uuid' }),
  posthog({ uuid: 'ph-numeric', distinct_id: 77 }),
  posthog({ uuid: 'ph-props-distinct', distinct_id: undefined, properties: { distinct_id: 'd7' } }),
  posthog({ uuid: 'ph-sent-at', sent_at: '2026-03-04T05:06:08Z' }),
  posthog({ uuid: 'ph-sent-at-bad', sent_at: 'nope' }),
  posthog({ uuid: 'ph-time', timestamp: undefined, properties: { $time: 1767225600.5 } }),
  // Ids met on both paths: the first in file order wins, whichever path reads it.
  track({ messageId: 'shared-1', event: 'First (engine)' }),
  track({ messageId: 'shared-1', event: 'Second (normaliser)', timestamp: '2026-02-30T00:00:00Z' }),
  track({ messageId: 'shared-2', event: 'First (normaliser)', properties: { a: 1.0 } }),
  track({ messageId: 'shared-2', event: 'Second (engine)' }),
  track({ messageId: 'plain', event: 'Repeated' }),
];

/** Random messages of the common shapes, some repeated. */
function randomLines(count: number, seed: number): string[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `r${Math.floor(next() * count * 0.9)}`;
    const ts = new Date(Date.UTC(2026, 0, 1) + Math.floor(next() * 90 * 86_400_000)).toISOString();
    const props = { plan: pick(['free', 'pro', null]), n: Math.floor(next() * 1000), x: pick([0.5, 2, -3, 1.25]), tags: ['a', pick(['b', 'ç'])] };
    const user = pick([`u${i % 50}`, undefined]);
    const anon = `a${i % 70}`;
    lines.push(pick([
      () => JSON.stringify({ type: 'track', event: pick(['Signed Up', 'Clicked', 'Paid']), userId: user, anonymousId: anon, timestamp: ts, messageId: id, properties: props, context: { groupId: pick([`acct${i % 9}`, undefined]) } }),
      () => JSON.stringify({ type: 'page', name: pick(['Home', 'Docs']), anonymousId: anon, userId: user, timestamp: ts, messageId: id, properties: { title: 't' }, context: { page: { url: 'https://x.test/', path: '/' } } }),
      () => JSON.stringify({ event: pick(['$pageview', 'Invited', '$screen']), distinct_id: user ?? anon, timestamp: ts, uuid: id, properties: { ...props, $is_identified: user !== undefined, $groups: { company: `acct${i % 9}` }, $current_url: 'https://x.test/b', $screen_name: 'S' } }),
      () => JSON.stringify({ type: 'identify', userId: `u${i % 50}`, anonymousId: anon, timestamp: ts, messageId: id, traits: { plan: props.plan } }),
      () => JSON.stringify({ type: 'track', event: 'Odd', userId: user ?? 'u0', timestamp: ts.replace('Z', '+00:00'), messageId: id }),
    ])());
  }
  return lines;
}

describe('NDJSON normalised in the engine', () => {
  it('stores what the normaliser stores, for every shape and edge case', async () => {
    const path = file('edge.ndjson', EDGE_LINES.join('\n') + '\n');
    const { engine, normaliser } = await both([path]);
    expect(engine.reports).toEqual(normaliser.reports);
    expect(engine.tables).toEqual(normaliser.tables);
    expect(engine.engineRows).toBeGreaterThan(20); // the engine path did take rows
    const report = normaliser.reports[0] as { rejected: number; errors: { line: number }[] };
    expect(report.rejected).toBeGreaterThan(10);
  });

  it('stores what the normaliser stores for random messages across batches and with a store already holding some', async () => {
    const lines = randomLines(3000, 7);
    const first = file('first.ndjson', lines.slice(0, 1000).join('\n') + '\n');
    const second = file('second.ndjson', lines.join('\r\n'));
    const third = file('third.ndjson', lines.slice(2000).join('\n') + '\n' + EDGE_LINES.join('\n'));
    const { engine, normaliser } = await both([first, second, third], { batchSize: 700 });
    expect(engine.reports).toEqual(normaliser.reports);
    expect(engine.tables).toEqual(normaliser.tables);
    expect(engine.engineRows).toBeGreaterThan(100);
  });

  it('stores what the normaliser stores when the typed read refuses more lines than it retries, and in the batches after', async () => {
    const refused = (i: number) => `{"type":"track","event":"A","event":"B","userId":"u1","timestamp":"${T}","messageId":"refused-${i}"}`;
    // Refused lines in the first batch only (the file is read 1 MB at a time: a batch ends with the run that fills it).
    const plain = (i: number) => track({ messageId: `k${i}`, userId: `u${i % 40}`, anonymousId: `a${i % 60}`, properties: { n: i } });
    const lines = Array.from({ length: 9000 }, (_, i) => (i < 150 && i % 10 === 0 ? [refused(i), plain(i)] : [plain(i)])).flat();
    const path = file('refused.ndjson', lines.join('\n') + '\n');
    const { engine, normaliser } = await both([path], { batchSize: 220 });
    expect(engine.reports).toEqual(normaliser.reports);
    expect(engine.tables).toEqual(normaliser.tables);
    expect(engine.engineRows).toBeGreaterThan(50);
  });

  it('rejects the same first bad line under --strict, storing nothing', async () => {
    const path = file('strict.ndjson', [...randomLines(50, 3), '{"broken', ...randomLines(10, 4)].join('\n'));
    const { engine, normaliser } = await both([path], { strict: true });
    expect(engine.reports).toEqual(normaliser.reports);
    expect(String(engine.reports[0])).toContain('line 51');
    expect(engine.tables.events).toEqual([]);
  });

  it('leaves an export of another tool to its converter', async () => {
    const mixpanel = (i: number) => JSON.stringify({ event: 'Signed Up', properties: { time: 1767225600 + i, distinct_id: `d${i}`, $insert_id: `i${i}` } });
    const path = file('mixpanel.ndjson', ['', '{"broken', ...[1, 2, 3].map(mixpanel)].join('\n'));
    const { engine, normaliser } = await both([path]);
    expect(engine.reports).toEqual(normaliser.reports);
    expect(engine.tables).toEqual(normaliser.tables);
    expect(engine.tables.events).toHaveLength(3);
  });
});
