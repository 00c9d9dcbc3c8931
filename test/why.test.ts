/**
 * "Why it moved" on planted data, on DuckDB and on ClickHouse (chdb): a mix shift (more non-ideal
 * signups, the same rates) is mix, a rate drop is rate, a formula splits exactly into its factors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import type { Config } from '../src/config/schema/index.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import type { SqlEngine } from '../src/engine/sql-engine.js';
import { findRead } from '../src/app/catalogue.js';
import { prepareRead } from '../src/app/run.js';
import type { MetricModel } from '../src/model/metric-model.js';
import type { ScorecardReport } from '../src/reports/scorecard-report.js';
import type { WhyReport } from '../src/reports/why-types.js';
import { digestMarkdown, type Digest } from '../src/reports/digest.js';
import { DAY, HOUR, identify, track } from './helpers/beyond.js';
import { expectSameAnswers, loadBoth, openChdb } from './helpers/engines.js';

const CONFIG = [
  'product: W',
  'ideal_user: { role: { eq: engineer } }',
  'journey:',
  '  visit: { event: Page Viewed }',
  '  signup: { event: Signed Up }',
  '  setup: { event: Workspace Created, owner: li, target: { gte: 60 } }',
  'north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, formula: active_users * messages_per_user }',
  'metrics:',
  '  - { id: active_users, name: Active users, event: Message Sent, measure: unique_users, frequency: week }',
  '  - { id: messages_per_user, name: Messages per user, event: Message Sent, measure: count, per: user, frequency: week }',
  '  - { id: messages, name: Messages (formula), formula: active_users * messages_per_user, frequency: week }',
  'why: { breakdown: user.plan }',
].join('\n');

const W1 = Date.UTC(2026, 0, 5); // Monday of 2026-W02
const WEEK = 7 * DAY;
const AS_OF = new Date(W1 + 4 * WEEK).toISOString();

/** Per week: ideal and non-ideal signups, and how many of each set up the same week. */
const PLAN = [
  { ideal: 100, idealSetups: 40, other: 100, otherSetups: 10 }, // W02: 25 % overall
  { ideal: 100, idealSetups: 40, other: 300, otherSetups: 30 }, // W03: same rates, three times the non-ideal signups
  { ideal: 100, idealSetups: 20, other: 300, otherSetups: 30 }, // W04: same mix, ideal users set up half as often
];

function messages(): unknown[] {
  const out: unknown[] = [];
  PLAN.forEach((week, w) => {
    const t = W1 + w * WEEK + DAY + 10 * HOUR; // Tuesday
    const people = [
      ...Array.from({ length: week.ideal }, (_, i) => ({ id: `w${w}-i${i}`, role: 'engineer', setup: i < week.idealSetups })),
      ...Array.from({ length: week.other }, (_, i) => ({ id: `w${w}-o${i}`, role: 'designer', setup: i < week.otherSetups })),
    ];
    people.forEach((p, i) => {
      out.push(identify(p.id, { role: p.role, plan: i % 2 ? 'free' : 'pro' }, t + i * 1000), track('Signed Up', p.id, t + i * 1000 + 1));
      if (p.setup) out.push(track('Workspace Created', p.id, t + i * 1000 + HOUR));
    });
  });
  // Messages: 20 of W02's ideal signups send 5 each in W02; 30 of them send 4 each in W03 (returning then).
  for (let u = 0; u < 20; u++) for (let k = 0; k < 5; k++) out.push(track('Message Sent', `w0-i${u}`, W1 + 2 * DAY + u * 60_000 + k));
  for (let u = 0; u < 30; u++) for (let k = 0; k < 4; k++) out.push(track('Message Sent', `w0-i${u}`, W1 + WEEK + 2 * DAY + u * 60_000 + k));
  return out;
}

describe('why it moved, on planted data, on both engines', () => {
  let ch: ClickHouseStore;
  let duck: DuckDbStore;
  let cleanup: () => Promise<void>;
  const config: Config = parseConfig(CONFIG);
  const model: MetricModel = modelFromConfig(config);
  const why = (engine: SqlEngine, row: string, week: string) =>
    prepareRead(findRead('why')!, { row, week, asOf: AS_OF }, 'cli').run(engine, config, model) as Promise<WhyReport>;
  /** The answer on DuckDB, checked equal on ClickHouse. */
  const both = async (row: string, week: string): Promise<WhyReport> => {
    const answer = await why(duck, row, week);
    expectSameAnswers(await why(ch, row, week), answer);
    return answer;
  };

  beforeAll(async () => {
    const chdb = await openChdb();
    ch = chdb.store;
    cleanup = chdb.cleanup;
    duck = (await loadBoth(ch, [messages()])).duck;
  }, 120_000);
  afterAll(async () => {
    await duck?.close();
    await cleanup?.();
  });

  it('a mix shift is mix: more non-ideal signups at the same rates', async () => {
    const r = await both('journey.setup', '2026-W03');
    expect([r.before, r.after, r.change]).toEqual([50, 70, 20]);
    const c = r.conversion!;
    expect([c.base_before, c.base_after]).toEqual([200, 400]);
    expect(c.rate_before).toBeCloseTo(0.25, 12);
    expect(c.rate_after).toBeCloseTo(0.175, 12);
    expect(c.volume + c.conversion).toBeCloseTo(20, 9);
    const ideal = c.cuts.find((cut) => cut.dimension === 'ideal')!.split!;
    expect(ideal.rate).toBeCloseTo(0, 12);
    expect(ideal.mix).toBeCloseTo(-0.075, 12);
    // Each ideal/not-ideal segment's setups: 40 → 40 and 10 → 30, summing to the change.
    expect(r.cuts.find((cut) => cut.dimension === 'ideal')!.parts).toEqual([
      { segment: 'not ideal', before: 10, after: 30, change: 20 }, { segment: 'ideal', before: 40, after: 40, change: 0 },
    ]);
    expect(r.sentence).toBe('Setups rose 40 %: not ideal signups rose 200 %; the setup rate fell from 25.0 % to 17.5 %, mostly mix: ideal went from 50 % to 25 % of signups.');
  });

  it('a rate drop is rate, in the segment whose rate dropped', async () => {
    const r = await both('journey.setup', '2026-W04');
    expect([r.before, r.after]).toEqual([70, 50]);
    const ideal = r.conversion!.cuts.find((cut) => cut.dimension === 'ideal')!.split!;
    expect(ideal.mix).toBeCloseTo(0, 12);
    expect(ideal.rate).toBeCloseTo(-0.05, 12);
    expect(ideal.segments[0]).toMatchObject({ segment: 'ideal', rate_before: 0.4, rate_after: 0.2 });
    expect(r.sentence).toBe('Setups fell 29 %: the setup rate fell from 17.5 % to 12.5 %, mostly rate: ideal converted 40.0 % then 20.0 %; signups held at 400.');
    // The breakdown trait splits as configured: pro and free alternate.
    const plan = r.cuts.find((cut) => cut.dimension === 'breakdown')!;
    expect(plan.label).toBe('user.plan');
    expect(plan.parts!.reduce((s, p) => s + p.change, 0)).toBe(-20);
  });

  it('the North Star splits exactly along its formula, and by segment', async () => {
    const r = await both('north_star', '2026-W03');
    expect([r.before, r.after]).toEqual([100, 120]);
    const formula = r.formula!;
    if ('reason' in formula) throw new Error(formula.reason);
    expect(formula.formula).toBe('active_users * messages_per_user');
    // 20 users × 5 → 30 users × 4: shares ½(50 + 40) = 45 and ½(−20 − 30) = −25, summing to +20.
    expect(formula.factors.map((f) => [f.name, f.before, f.after, f.share])).toEqual([['Active users', 20, 30, 45], ['Messages per user', 5, 4, -25]]);
    expect(formula.change).toBe(20);
    // Users × messages per user is the measured count: no gap to note.
    expect(r.notes).toEqual([]);
    // The senders were all new in W02 and all returning in W03.
    expect(r.cuts.find((cut) => cut.dimension === 'new')!.parts).toEqual([
      { segment: 'returning', before: 0, after: 120, change: 120 }, { segment: 'new', before: 100, after: 0, change: -100 },
    ]);
    expect(r.sentence).toBe('Messages rose 20 %: Active users rose 50 % (+45), Messages per user fell 20 % (−25).');
  });

  it('a formula metric is a scorecard row with the formula\'s values, and splits the same way', async () => {
    const card = await prepareRead(findRead('scorecard')!, { week: '2026-W03', weeks: '2', asOf: AS_OF }, 'cli').run(duck, config, model) as ScorecardReport;
    expect(card.rows.find((row) => row.id === 'messages')!.values).toEqual([100, 120]);
    const r = await both('messages', '2026-W03');
    expect(r.formula && 'factors' in r.formula ? r.formula.factors.map((f) => f.share) : null).toEqual([45, -25]);
  });

  it('the digest says why each off-track row moved, in the same sentence', async () => {
    const digest = await prepareRead(findRead('digest')!, { week: '2026-W04', asOf: AS_OF }, 'cli').run(duck, config, model) as Digest;
    const setups = digest.off_track.find((r) => r.id === 'journey.setup')!;
    expect(setups.why).toBe((await why(duck, 'journey.setup', '2026-W04')).sentence);
    expect(digestMarkdown(digest)).toContain(`- Setups: 50 against ≥ 60 — li. ${setups.why}`);
  });

  it('a rate metric (per user) splits into mix and rate', async () => {
    const r = await both('messages_per_user', '2026-W03');
    const cut = r.cuts.find((c) => c.dimension === 'ideal')!.rate!;
    expect(cut.mix + cut.rate).toBeCloseTo(-1, 12);
  });

  it('no data is said, never zero; an unknown row gets a suggestion', async () => {
    const r = await both('journey.setup', '2026-W01');
    expect(r.no_data).toMatch(/^no data for 2026-W01/);
    expect(r.change).toBeNull();
    expect(r.sentence).toMatch(/^Setups: no data for 2026-W01/);
    await expect(why(duck, 'journey.setpu', '2026-W03')).rejects.toThrow(/no scorecard row "journey.setpu" \(did you mean "journey.setup"\?\)/);
  });
});
