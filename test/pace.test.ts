/**
 * Pace to target: the share arithmetic by hand, and the scorecard's pace over known daily counts on
 * DuckDB and on ClickHouse (embedded, chdb): as-of Wednesday 12:30, so each week counts up to
 * Wednesday 12:00 (the start of the hour).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig, scorecardModelFromConfig } from '../src/config/model.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { addPeriods, HOUR_MS, MINUTE_MS, parseDate, startOfLocalDate } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { expectedShare, projectCount, projectRate } from '../src/reports/pace.js';
import { paceOfRows, paceReport, paceWindows } from '../src/reports/pace-of-rows.js';
import { buildDigest, digestMarkdown, digestSlackBody } from '../src/reports/digest.js';
import { scorecardReport, type ScorecardReport } from '../src/reports/scorecard-report.js';
import { expectSameAnswers, loadBoth, openChdb } from './helpers/engines.js';
import { seg } from './helpers/fixture-store.js';

const TZ = 'Europe/Paris';
const CONFIG = `
product: Pace
timezone: ${TZ}
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up, owner: maya@x, target: { gte: 3 } }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, owner: ceo@x, target: { gte: 60 } }
metrics:
  - { id: files, name: Files shared, event: File Shared, measure: count, frequency: week, owner: li@x, target: { gte: 25 } }
  - { id: per_user, name: Messages per user, event: Message Sent, measure: count, per: user, frequency: week, owner: ceo@x, target: { gte: 10 } }
health:
  cash_balance: { owner: cfo@x, target: { gte: 50000 } }
`;

/** A local wall-clock instant in Paris: the day, the hour and the minute. */
const at = (day: string, hour: number, minute = 0) => new Date(startOfLocalDate(parseDate(day), TZ) + hour * HOUR_MS + minute * MINUTE_MS).toISOString();
const dayOf = (monday: string, offset: number) => {
  const d = addPeriods(parseDate(monday), 'day', offset);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
};
const messages = (n: number, user: string, day: string, hour: number) => Array.from({ length: n }, (_, i) => seg.track('Message Sent', { userId: user }, at(day, hour, i)));
const files = (n: number, day: string, hour: number) => Array.from({ length: n }, (_, i) => seg.track('File Shared', { userId: 'f1' }, at(day, hour, i)));

// Six complete weeks with data (W41–W46; W39 and W40 end before the first event). Five of them alike:
// messages Mon 10 (u1), Tue 10 (u2), Wed 09:00 5 (u5), Wed 15:00 5 (u3), Thu 10 (u3), Fri 10, Sat 5, Sun 5 (u4):
// 25 of 60 by Wednesday noon, users 3 of 5. The last (W46): 30 messages, all Monday, by u1: 30 of 30, users 1 of 1.
// Message share (25·5 + 30) / (60·5 + 30) = 155/330 = 31/66; user share (3·5 + 1) / (5·5 + 1) = 8/13.
// Files each week: Mon 6, Tue 6, Wed 09:00 3, Wed 15:00 3, Thu 6, Fri 6: 15 of 30 by Wednesday noon, share 1/2.
// Visits: Mon v1 and v2, Thu v3 and v4: 2 of 4, share 1/2. Signups from W44 only: three complete weeks.
const PAST = ['2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02', '2026-11-09'];
function pastWeek(monday: string, index: number): unknown[] {
  const day = (n: number) => dayOf(monday, n);
  const out: unknown[] = [];
  if (index < 5) {
    out.push(...messages(10, 'u1', day(0), 10), ...messages(10, 'u2', day(1), 10), ...messages(5, 'u5', day(2), 9), ...messages(5, 'u3', day(2), 15));
    out.push(...messages(10, 'u3', day(3), 10), ...messages(10, 'u4', day(4), 10), ...messages(5, 'u4', day(5), 10), ...messages(5, 'u4', day(6), 10));
  } else {
    out.push(...messages(30, 'u1', day(0), 10));
  }
  out.push(...files(6, day(0), 11), ...files(6, day(1), 11), ...files(3, day(2), 9), ...files(3, day(2), 15), ...files(6, day(3), 11), ...files(6, day(4), 11));
  for (const [visitor, n] of [['v1', 0], ['v2', 0], ['v3', 3], ['v4', 3]] as const) out.push(seg.page({ anonymousId: `${visitor}-${index}` }, at(day(n), 8)));
  if (index >= 3) out.push(seg.track('Signed Up', { userId: `s${index}` }, at(day(1), 10)));
  return out;
}
// The current week (W47), to Wednesday 12:30: messages Mon 12 (u1), Tue 12 (u2), Wed 09:00 7 (u5), and 5 at 12:10 (u6),
// after the cut; files Mon 6, Tue 1 (a drop); one visitor twice; one signup Monday, one at 12:10.
const CURRENT = '2026-11-16';
const AS_OF = Date.parse(at('2026-11-18', 12, 30));
function currentWeek(): unknown[] {
  const day = (n: number) => dayOf(CURRENT, n);
  return [
    ...messages(12, 'u1', day(0), 10), ...messages(12, 'u2', day(1), 10), ...messages(7, 'u5', day(2), 9),
    ...Array.from({ length: 5 }, (_, i) => seg.track('Message Sent', { userId: 'u6' }, at(day(2), 12, 10 + i))),
    ...files(6, day(0), 11), ...files(1, day(1), 11),
    seg.page({ anonymousId: 'w1' }, at(day(0), 8)), seg.page({ anonymousId: 'w1' }, at(day(1), 8)),
    seg.track('Signed Up', { userId: 'n1' }, at(day(0), 10)), seg.track('Signed Up', { userId: 'n2' }, at(day(2), 12, 10)),
  ];
}

describe('pace arithmetic', () => {
  const week = (so_far: number | null, full: number | null) => ({ so_far, full });
  it('takes the share over the last weeks with data, summed, up to eight', () => {
    const past = [week(100, 100), ...Array.from({ length: 8 }, () => week(2, 8)), week(null, null), week(3, 0)];
    expect(expectedShare(past)).toEqual({ share: 0.25, weeks_used: 8 });
    expect(expectedShare([week(1, 2), week(3, 4)])).toEqual({ share: null, weeks_used: 2, reason: '2 complete weeks with data before this one; a projection needs 4' });
    // Too few by this point to tell a pace from noise: 1.5 on average.
    expect(expectedShare([week(1, 8), week(2, 8), week(1, 8), week(2, 8)])).toEqual({
      share: null, weeks_used: 4, reason: 'past weeks had 1.5 on average by this point of the week; a projection needs 2',
    });
  });
  it('projects so far ÷ share and judges the projection against the target in its direction', () => {
    const past = [week(2, 8), week(2, 8), week(3, 12), week(3, 12)];
    expect(projectCount({ so_far: 5, past }, { gte: 20 })).toEqual({ so_far: 5, projected: 20, share_expected: 0.25, on_pace: true, weeks_used: 4 });
    expect(projectCount({ so_far: 5, past }, { lte: 19 })).toMatchObject({ projected: 20, on_pace: false });
    expect(projectCount({ so_far: 5, past }, null)).toMatchObject({ projected: 20, on_pace: null, reason: 'no target' });
    expect(projectCount({ so_far: 0, past }, { gte: 1 })).toMatchObject({ projected: 0, on_pace: false });
    expect(projectCount({ so_far: 5, past: past.map((w) => week(0, w.full)) }, { gte: 1 })).toMatchObject({ projected: null, on_pace: null, reason: 'past weeks had nothing by this point of the week' });
  });
  it('projects exactly the whole of a week that keeps the shape of the past ones (any share, any sizes)', () => {
    fc.assert(fc.property(
      fc.double({ min: 0.05, max: 1, noNaN: true }), fc.array(fc.integer({ min: 40, max: 10_000 }), { minLength: 4, maxLength: 12 }), fc.integer({ min: 40, max: 10_000 }),
      (share, wholes, whole) => {
        const pace = projectCount({ so_far: share * whole, past: wholes.map((full) => week(share * full, full)) }, { gte: whole });
        expect(pace.weeks_used).toBe(Math.min(wholes.length, 8));
        expect(pace.share_expected).toBeCloseTo(share, 9);
        expect(pace.projected! / whole).toBeCloseTo(1, 9);
      },
    ));
  });

  it('projects a rate as the projected numerator over the projected denominator', () => {
    const top = { so_far: 30, past: [week(2, 8), week(2, 8), week(2, 8), week(2, 8)] };
    const bottom = { so_far: 3, past: [week(2, 4), week(2, 4), week(2, 4), week(2, 4)] };
    expect(projectRate(top, bottom, { gte: 21 })).toEqual({ so_far: 10, projected: 20, share_expected: 0.25, on_pace: false, weeks_used: 4 });
    expect(projectRate(top, { ...bottom, past: bottom.past.slice(1) }, { gte: 1 })).toMatchObject({ projected: null, on_pace: null, weeks_used: 3 });
  });
  it('cuts every week at the same local weekday and hour', () => {
    const w = paceWindows(AS_OF, { timezone: TZ, weekStart: 'monday' });
    expect(w.current.name).toBe('2026-W47');
    expect(w.past.map((p) => p.name)).toEqual(['2026-W39', '2026-W40', '2026-W41', '2026-W42', '2026-W43', '2026-W44', '2026-W45', '2026-W46']);
    expect(new Date(w.cut).toISOString()).toBe(at('2026-11-18', 12));
    // Across the change from summer time (October 25): still Wednesday noon in Paris.
    expect(w.windows.map((x) => new Date(x.to).toISOString()).slice(2, 5)).toEqual([at('2026-10-07', 12), at('2026-10-14', 12), at('2026-10-21', 12)]);
  });
});

describe('pace on DuckDB and ClickHouse over known daily counts', () => {
  let ch: ClickHouseStore;
  let duck: DuckDbStore;
  let cleanup: () => Promise<void>;
  const reports: Record<string, ScorecardReport> = {};
  beforeAll(async () => {
    const chdb = await openChdb();
    ch = chdb.store;
    cleanup = chdb.cleanup;
    duck = (await loadBoth(ch, [PAST.flatMap(pastWeek), currentWeek()])).duck;
    const config = parseConfig(CONFIG);
    for (const [name, engine] of [['duckdb', duck], ['clickhouse', ch]] as const) {
      reports[name] = await scorecardReport(reportContext(engine, modelFromConfig(config), AS_OF), scorecardModelFromConfig(config), { weeks: 2 });
    }
  }, 120_000);
  afterAll(async () => {
    await duck?.close();
    await cleanup?.();
  });

  it('projects each row from the same point of past weeks (hand-computed)', () => {
    const r = reports.duckdb;
    expect(r.pace).toEqual({ week: '2026-W47', cut: at('2026-11-18', 12), counted_to: 'Wednesday 12:00' });
    const pace = Object.fromEntries(r.rows.map((row) => [row.id, row.pace]));
    // 31 messages by the cut (the 5 at 12:10 come after it) ÷ 31/66 = 66, against ≥ 60.
    expect(pace.north_star).toMatchObject({ so_far: 31, share_expected: 31 / 66, weeks_used: 6, on_pace: true });
    expect(pace.north_star!.projected).toBeCloseTo(66, 9);
    // Files: 7 by the cut ÷ 1/2 = 14 against ≥ 25: the drop shows mid-week.
    expect(pace.files).toEqual({ so_far: 7, projected: 14, share_expected: 0.5, on_pace: false, weeks_used: 6 });
    // Per user: (31 ÷ 31/66) over (3 users ÷ 8/13) = 66 · 8/39 = 176/13 ≈ 13.54, against ≥ 10; so far 31/3.
    expect(pace.per_user).toMatchObject({ share_expected: 31 / 66, weeks_used: 6, on_pace: true });
    expect(pace.per_user!.so_far).toBeCloseTo(31 / 3, 9);
    expect(pace.per_user!.projected).toBeCloseTo(176 / 13, 9);
    // One visitor so far (twice) ÷ 1/2 = 2; no target to judge it by.
    expect(pace['journey.visit']).toEqual({ so_far: 1, projected: 2, share_expected: 0.5, on_pace: null, weeks_used: 6, reason: 'no target' });
    // Signups began three weeks ago: no projection, however confident it could look.
    expect(pace['journey.signup']).toEqual({
      so_far: 1, projected: null, share_expected: null, on_pace: null, weeks_used: 3, reason: '3 complete weeks with data before this one; a projection needs 4',
    });
    expect(pace['health.cash_balance']).toMatchObject({ so_far: null, projected: null, on_pace: null, reason: 'entered by hand: nothing accumulates during the week' });
  });

  it('answers alike on both engines', () => {
    expect(reports.duckdb.rows.filter((row) => row.pace?.projected !== null).length).toBe(4);
    expectSameAnswers(reports.clickhouse.rows.map((row) => row.pace), reports.duckdb.rows.map((row) => row.pace));
    expectSameAnswers(reports.clickhouse.pace, reports.duckdb.pace);
  });

  it('says so in the digest: the rows off pace, so far and where they are heading', () => {
    const digest = buildDigest('Pace', reports.duckdb, [], [], []);
    expect(digest.pace).toEqual({
      week: '2026-W47', counted_to: 'Wednesday 12:00',
      off_pace: [{ id: 'files', name: 'Files shared', owner: 'li@x', unit: 'count', so_far: 7, projected: 14, target: '≥ 25' }],
    });
    expect(digestMarkdown(digest)).toContain('## Off pace in 2026-W47 (counted to Wednesday 12:00)\n- Files shared: 7 so far, heading for 14 against ≥ 25 — li@x\n');
    expect(JSON.stringify(digestSlackBody(digest).blocks)).toContain('Files shared: 7 so far, heading for 14 against ≥ 25 — li@x');
  });

  it('answers the pace read as the scorecard\'s rows carry it', async () => {
    const config = parseConfig(CONFIG);
    const pace = await paceReport(reportContext(duck, modelFromConfig(config), AS_OF), scorecardModelFromConfig(config));
    expect(pace).toEqual({ ...reports.duckdb.pace, rows: paceOfRows(reports.duckdb) });
  });

  it('projects nothing in a week the store has no event of yet, on either engine', async () => {
    const config = parseConfig(CONFIG);
    const later = Date.parse(at('2026-12-02', 12, 30));
    for (const engine of [duck, ch]) {
      const pace = await paceReport(reportContext(engine, modelFromConfig(config), later), scorecardModelFromConfig(config));
      expect(pace.week).toBe('2026-W49');
      expect(pace.rows.filter((r) => r.id !== 'health.cash_balance').map((r) => [r.id, r.so_far, r.projected, r.on_pace, r.reason])).toEqual(
        ['north_star', 'journey.visit', 'journey.signup', 'files', 'per_user'].map((id) => [id, null, null, null, 'no data this week: no events stored since the week began']),
      );
    }
  });

  it('projects nothing in the first hour of a week', async () => {
    const config = parseConfig(CONFIG);
    const pace = await paceReport(reportContext(duck, modelFromConfig(config), Date.parse(at('2026-11-16', 0, 40))), scorecardModelFromConfig(config));
    expect([pace.week, pace.counted_to]).toEqual(['2026-W47', 'Monday 00:00']);
    expect(pace.rows.find((r) => r.id === 'north_star')).toMatchObject({ projected: null, on_pace: null, reason: 'no data this week: the week has just begun' });
  });

  it('lists each row with its owner and target for alerts', () => {
    const entries = paceOfRows(reports.duckdb);
    expect(entries.filter((e) => e.on_pace === false).map((e) => ({ id: e.id, owner: e.owner, target: e.target, week: e.week, projected: e.projected }))).toEqual([
      { id: 'files', owner: 'li@x', target: { gte: 25 }, week: '2026-W47', projected: 14 },
    ]);
    expect(entries.map((e) => e.id)).toEqual(reports.duckdb.rows.map((row) => row.id));
  });
});
