/**
 * Identity as the SDKs send it (docs/identity.md), on both engines: the same messages, in the same
 * two batches, written to DuckDB and to embedded ClickHouse; every expected value below is worked
 * out by hand in the comments.
 *
 * Ideal user profile: role engineer, company_size ≥ 10 (a user trait, else the account's).
 * Journey: signup Signed Up, setup Workspace Created, first strike Message Sent, KUI the 2nd Message Sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import type { SqlEngine } from '../src/engine/sql-engine.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { pqlReport } from '../src/reports/pql.js';
import { loadBoth, openChdb } from './helpers/engines.js';
import { modelFromConfig } from '../src/config/model.js';

const CONFIG = `
product: Identity
ideal_user: { role: { in: [engineer] }, company_size: { gte: 10 } }
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up }
  setup: { event: Workspace Created }
  first_strike: { event: Message Sent }
  kui: { event: Message Sent, at_least: 2 }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week }
`;

let n = 0;
const id = () => `m-${++n}`;
const track = (event: string, ids: object, timestamp: string, extra: object = {}) => ({ type: 'track', event, ...ids, timestamp, messageId: id(), ...extra });
const identify = (ids: object, traits: object, timestamp: string) => ({ type: 'identify', ...ids, traits, timestamp, messageId: id() });
const ph = (event: string, distinctId: string, timestamp: string, properties: object = {}, top: object = {}) =>
  ({ event, uuid: id(), timestamp, properties: { distinct_id: distinctId, ...properties }, ...top });
/** Signed up, set up, and two messages: KUI at the second. */
const journey = (ids: object, times: [string, string, string, string]) => [
  track('Signed Up', ids, times[0]), track('Workspace Created', ids, times[1]),
  track('Message Sent', ids, times[2]), track('Message Sent', ids, times[3]),
];
const H1 = { $is_identified: true, $groups: { project: 'p9', company: 'acc-ph' } };

const first = [
  // U1, anonymous first: posthog-js puts $set / $set_once at the top level of a page view.
  ph('$pageview', 'ph-a1', '2026-03-02T09:00:00Z', { $current_url: 'https://x.io/pricing' }, { $set: { role: 'engineer' }, $set_once: { first_url: '/pricing' } }),
  // U2, linked first (10:00, role pm); its anonymous traits of 09:00 arrive in the second batch.
  identify({ userId: 'U2', anonymousId: 'a2' }, { role: 'pm' }, '2026-03-02T10:00:00Z'),
  // U3: set at 09:00, set once at 10:00 (plan kept, region new), unset at 11:00.
  ph('$set', 'U3', '2026-03-02T09:00:00Z', { $set: { plan: 'team', legacy: 1 } }),
  ph('$set', 'U3', '2026-03-02T10:00:00Z', {}, { $set_once: { plan: 'enterprise', region: 'eu' } }),
  ph('$set', 'U3', '2026-03-02T11:00:00Z', {}, { $unset: ['legacy'] }),
  // Accounts from each source.
  { type: 'group', userId: 'G1', groupId: 'acc-group', traits: { seats: 3 }, timestamp: '2026-03-02T09:00:00Z', messageId: id() },
  track('Signed Up', { userId: 'C1' }, '2026-03-02T09:00:00Z', { context: { groupId: 'acc-context' } }),
  track('Signed Up', { userId: 'P1' }, '2026-03-02T09:00:00Z', { properties: { account_id: 'acc-prop' } }),
  // H1 (PostHog): engineer from signup, account from $groups; the account's size arrives later.
  ph('Signed Up', 'H1', '2026-03-02T09:00:00Z', H1, { $set: { role: 'engineer' } }),
  ph('Workspace Created', 'H1', '2026-03-02T10:00:00Z', H1),
  ph('Message Sent', 'H1', '2026-03-03T09:00:00Z', H1),
  ph('Message Sent', 'H1', '2026-03-03T10:00:00Z', H1),
  // E: ideal before anything: qualified at the KUI.
  identify({ userId: 'E' }, { role: 'engineer', company_size: 10 }, '2026-03-01T00:00:00Z'),
  ...journey({ userId: 'E' }, ['2026-03-02T09:00:00Z', '2026-03-02T09:10:00Z', '2026-03-02T10:00:00Z', '2026-03-02T11:00:00Z']),
  // L: no traits until after the KUI (03-03 10:00).
  ...journey({ userId: 'L' }, ['2026-03-02T09:00:00Z', '2026-03-02T10:00:00Z', '2026-03-03T09:00:00Z', '2026-03-03T10:00:00Z']),
  // R: ideal, then a pm from 03-03 12:00 (before the KUI of 03-04 09:00), an engineer again from 03-06 12:00.
  identify({ userId: 'R' }, { role: 'engineer', company_size: 15 }, '2026-03-02T08:00:00Z'),
  ...journey({ userId: 'R' }, ['2026-03-02T09:00:00Z', '2026-03-02T09:30:00Z', '2026-03-03T09:00:00Z', '2026-03-04T09:00:00Z']),
  identify({ userId: 'R' }, { role: 'pm' }, '2026-03-03T12:00:00Z'),
];
const second = [
  // U1's link, after its anonymous traits; its own $set_once does not overwrite first_url.
  ph('$identify', 'U1', '2026-03-02T10:00:00Z', { $anon_distinct_id: 'ph-a1', $set: { plan: 'free' } }, { $set_once: { first_url: '/home' } }),
  // U2's anonymous traits, older than the identify that linked it: company_size joins, role stays pm.
  identify({ anonymousId: 'a2' }, { role: 'engineer', company_size: 40 }, '2026-03-02T09:00:00Z'),
  // U3: a $set_once at 08:00 arrives last; in history order it came first, so region is us.
  ph('$set', 'U3', '2026-03-02T08:00:00Z', {}, { $set_once: { region: 'us' } }),
  // acc-ph's size (PostHog $groupidentify) makes H1 ideal at 03-04 08:00, after its KUI.
  ph('$groupidentify', 'H1', '2026-03-04T08:00:00Z', { $group_type: 'company', $group_key: 'acc-ph', $group_set: { company_size: 50 } }),
  identify({ userId: 'L' }, { role: 'engineer', company_size: 20 }, '2026-03-05T12:00:00Z'),
  identify({ userId: 'R' }, { role: 'engineer' }, '2026-03-06T12:00:00Z'),
];

const EXPECTED_USERS = {
  C1: { account: 'acc-context', traits: {} },
  E: { account: null, traits: { role: 'engineer', company_size: 10 } },
  G1: { account: 'acc-group', traits: {} },
  H1: { account: 'acc-ph', traits: { role: 'engineer' } },
  L: { account: null, traits: { role: 'engineer', company_size: 20 } },
  P1: { account: 'acc-prop', traits: {} },
  R: { account: null, traits: { role: 'engineer', company_size: 15 } },
  U1: { account: null, traits: { role: 'engineer', first_url: '/pricing', plan: 'free' } },
  U2: { account: null, traits: { role: 'pm', company_size: 40 } },
  U3: { account: null, traits: { plan: 'team', region: 'us' } },
};

const EXPECTED_PQLS = [
  { actor: 'E', account: null, qualified_at: '2026-03-02T11:00:00.000Z', ideal_at: '2026-03-01T00:00:00.000Z' },
  { actor: 'H1', account: 'acc-ph', qualified_at: '2026-03-04T08:00:00.000Z', ideal_at: '2026-03-04T08:00:00.000Z' },
  { actor: 'L', account: null, qualified_at: '2026-03-05T12:00:00.000Z', ideal_at: '2026-03-05T12:00:00.000Z' },
  { actor: 'R', account: null, qualified_at: '2026-03-06T12:00:00.000Z', ideal_at: '2026-03-06T12:00:00.000Z' },
];

async function users(engine: SqlEngine): Promise<Record<string, { account: string | null; traits: unknown }>> {
  const rows = await engine.all<{ user_id: string; account_id: string | null; traits: string }>('SELECT user_id, account_id, traits FROM users ORDER BY user_id');
  return Object.fromEntries(rows.map((r) => [r.user_id, { account: r.account_id, traits: JSON.parse(r.traits) as unknown }]));
}

async function pqls(engine: SqlEngine) {
  const model = modelFromConfig(parseConfig(CONFIG));
  const report = await pqlReport(reportContext(engine, model, Date.parse('2026-03-15T00:00:00Z')), rangeOfPeriods('2026-W10', '2026-W11', model.time));
  return report.pqls.map(({ actor, account, qualified_at, ideal_at }) => ({ actor, account, qualified_at, ideal_at }));
}

let ch: ClickHouseStore;
let duck: DuckDbStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store: ch, cleanup } = await openChdb());
  ({ duck } = await loadBoth(ch, [first, second]));
}, 60_000);
afterAll(async () => {
  await duck?.close();
  await cleanup?.();
});

describe.each([['DuckDB', () => duck as SqlEngine], ['ClickHouse', () => ch as SqlEngine]])('%s', (_name, engine) => {
  it('merges anonymous traits on link in both arrival orders, keeps $set_once values, applies $unset; accounts from each source', async () => {
    expect(await users(engine())).toEqual(EXPECTED_USERS);
  });

  it('keeps no profile for a linked anonymous id', async () => {
    const rows = await engine().all<{ user_id: string }>(`SELECT user_id FROM users WHERE user_id IN ('ph-a1', 'a2')`);
    expect(rows).toEqual([]);
  });

  it('takes account traits from $groupidentify', async () => {
    const rows = await engine().all<{ traits: string }>(`SELECT traits FROM accounts WHERE account_id = 'acc-ph'`);
    expect(rows.map((r) => JSON.parse(r.traits) as unknown)).toEqual([{ company_size: 50 }]);
  });

  it('qualifies a PQL when the last condition became true, a late ideal trait included', async () => {
    expect(await pqls(engine())).toEqual(EXPECTED_PQLS);
  });
});
