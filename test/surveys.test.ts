import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { buildBenchmarks, grade, STAGE_BENCHMARKS } from '../src/reports/benchmarks.js';
import { reportContext } from '../src/reports/context.js';
import {
  csatScore, MIN_RESPONSES, npsScore, pmfAnswer, pmfScore, scoreOf, surveySection, surveysReport, type SurveyResponse,
} from '../src/reports/surveys.js';
import { seg, storeFrom } from './helpers/fixture-store.js';
import { healthModelFromConfig, modelFromConfig } from '../src/config/model.js';

const T0 = Date.parse('2026-03-02T10:00:00Z'); // a Monday: 2026-W10
const HOUR = 3_600_000;
let n = 0;
const answer = (value: string | number | null, extra: Partial<SurveyResponse> = {}): SurveyResponse =>
  ({ actor: `u${++n}`, t: T0 + n * HOUR, answer: value === null ? null : String(value), ideal: false, ...extra });
const many = (count: number, value: string | number, extra: Partial<SurveyResponse> = {}) => Array.from({ length: count }, () => answer(value, extra));

describe('NPS', () => {
  it('classifies the boundary scores: 6 detractor, 7 and 8 passive, 9 promoter', () => {
    const r = npsScore([answer(6), answer(7), answer(8), answer(9)]);
    expect(r).toMatchObject({ responses: 4, detractors: 1, passives: 2, promoters: 1, score: 0 });
  });

  it('is % promoters − % detractors, as a fraction', () => {
    // 0 … 10 once each: detractors 0–6 = 7, passives 7–8 = 2, promoters 9–10 = 2 → (2 − 7) / 11
    const r = npsScore(Array.from({ length: 11 }, (_, s) => answer(s)));
    expect(r.score).toBeCloseTo((2 - 7) / 11, 12);
    // 40 answers: 20 promoters (10), 12 passives (8), 8 detractors (6) → 50 % − 20 % = +30
    const big = npsScore([...many(20, 10), ...many(12, 8), ...many(8, 6)]);
    expect(big).toMatchObject({ responses: 40, promoters: 20, passives: 12, detractors: 8, warning: null });
    expect(big.score).toBeCloseTo(0.3, 12);
  });

  it('ignores scores that are not whole numbers from 0 to 10', () => {
    const r = npsScore([answer(-1), answer(11), answer(7.5), answer('nine'), answer(null), answer(''), answer('10')]);
    expect(r).toMatchObject({ responses: 1, invalid: 6, promoters: 1, score: 1 });
  });

  it('counts a respondent once, with their latest score', () => {
    const r = npsScore([
      { actor: 'a', t: 1, answer: '3', ideal: false },
      { actor: 'a', t: 2, answer: '10', ideal: false },
      { actor: 'b', t: 1, answer: '8', ideal: false },
    ]);
    expect(r).toMatchObject({ responses: 2, promoters: 1, passives: 1, detractors: 0 });
  });

  it('warns under 30 answers, not at 30', () => {
    expect(npsScore(many(29, 9)).warning).toBe('only 29 answers; the NPS needs at least 30 to be reliable');
    expect(npsScore(many(30, 9)).warning).toBeNull();
    expect(npsScore([]).score).toBeNull();
    expect(npsScore([]).warning).toMatch(/only 0 answers/);
  });
});

describe('CSAT', () => {
  it('is the share of 4 and 5 on a 1–5 score', () => {
    const r = csatScore([answer(1), answer(2), answer(3), answer(4), answer(5)]);
    expect(r).toMatchObject({ responses: 5, satisfied: 2 });
    expect(r.score).toBeCloseTo(0.4, 12);
  });

  it('rejects 0, 6 and fractions; counts every answer (interactions, not people)', () => {
    const same = 'u-same';
    const r = csatScore([answer(0), answer(6), answer(4.5), answer(5, { actor: same }), answer(3, { actor: same })]);
    expect(r).toMatchObject({ responses: 2, satisfied: 1, invalid: 3, score: 0.5 });
  });

  it('warns with too few answers', () => {
    expect(csatScore(many(3, 5)).warning).toBe('only 3 answers; the CSAT needs at least 30 to be reliable');
    expect(csatScore(many(MIN_RESPONSES, 5)).warning).toBeNull();
  });
});

describe('PMF (Sean Ellis)', () => {
  it('reads the answer however it is spelled', () => {
    expect(['Very disappointed', 'very_disappointed', 'VERY-DISAPPOINTED', ' very  disappointed '].map(pmfAnswer)).toEqual(Array(4).fill('very_disappointed'));
    expect(pmfAnswer('Somewhat disappointed')).toBe('somewhat_disappointed');
    expect(pmfAnswer('Not disappointed (it isn’t really that useful)')).toBe('not_disappointed');
    expect(pmfAnswer('N/A - I no longer use it')).toBeNull();
    expect(pmfAnswer(null)).toBeNull();
  });

  it('is the share of "very disappointed" among the three answers', () => {
    // 40 answers: 17 very, 15 somewhat, 8 not → 42.5 %, above the 40 % bar; N/A answers are left out.
    const r = pmfScore([...many(17, 'very disappointed'), ...many(15, 'somewhat disappointed'), ...many(8, 'not disappointed'), ...many(3, 'N/A')]);
    expect(r).toMatchObject({ responses: 40, very_disappointed_count: 17, somewhat_disappointed_count: 15, not_disappointed_count: 8, unrecognized: 3, reached_40: true, warning: null });
    expect(r.very_disappointed).toBeCloseTo(0.425, 12);
    expect(r.score).toBe(r.very_disappointed);
  });

  it('warns under 30 answers', () => {
    const r = pmfScore([...many(5, 'very disappointed'), ...many(7, 'not disappointed')]);
    expect(r.responses).toBe(12);
    expect(r.very_disappointed).toBeCloseTo(5 / 12, 12);
    expect(r.warning).toBe('only 12 answers; the PMF score needs at least 30 to be reliable');
    expect(pmfScore(many(30, 'very disappointed')).warning).toBeNull();
  });

  it('restricts respondents to active users when configured', () => {
    const responses = [...many(3, 'very disappointed', { active: true }), ...many(3, 'very disappointed', { active: false }), ...many(3, 'not disappointed', { active: true })];
    expect(pmfScore(responses, false).very_disappointed).toBeCloseTo(6 / 9, 12);
    const active = pmfScore(responses, true);
    expect(active).toMatchObject({ responses: 6, very_disappointed_count: 3, inactive_excluded: 3 });
    expect(active.very_disappointed).toBeCloseTo(0.5, 12);
  });
});

describe('score parsing', () => {
  it('takes whole numbers in range only', () => {
    expect(['0', '10', ' 7 ', '7.0', '7.5', '', 'x', '-0'].map((s) => scoreOf(s, 0, 10))).toEqual([0, 10, 7, 7, null, null, null, 0]);
  });
});

describe('by week and by segment', () => {
  const time = { timezone: 'UTC', weekStart: 'monday' as const };
  const range = rangeOfPeriods('2026-W10', '2026-W11', time);
  const W10 = T0;
  const W11 = T0 + 7 * 24 * HOUR;
  const responses: SurveyResponse[] = [
    { actor: 'a', t: W10, answer: '10', ideal: true },
    { actor: 'b', t: W10, answer: '2', ideal: false },
    { actor: 'a', t: W11, answer: '6', ideal: true }, // a again in week 11: counts in each week once, overall with the latest
    { actor: 'c', t: W11, answer: '9', ideal: false },
    { actor: 'd', t: W11 + 7 * 24 * HOUR, answer: '0', ideal: false }, // after the range
  ];
  const definition = { kind: 'nps' as const, events: ['NPS Submitted'], property: 'score', activeOnly: false };
  const section = surveySection('nps', definition, responses, range, time, true);

  it('splits by week', () => {
    expect(section.by_week.map((w) => [w.period, w.responses, w.score])).toEqual([['2026-W10', 2, 0], ['2026-W11', 2, 0]]);
  });

  it('overall counts each respondent once with the latest answer, inside the range', () => {
    expect(section).toMatchObject({ responses: 3, promoters: 1, detractors: 2 }); // a = 6, b = 2, c = 9
  });

  it('splits ideal users from the rest', () => {
    expect(section.by_segment!.ideal).toMatchObject({ responses: 1, detractors: 1, score: -1 });
    expect(section.by_segment!.not_ideal).toMatchObject({ responses: 2, promoters: 1, detractors: 1, score: 0 });
  });
});

describe('rolling scores', () => {
  const time = { timezone: 'UTC', weekStart: 'monday' as const };
  const DAY = 24 * HOUR;
  const W = (k: number) => Date.parse('2026-03-02T12:00:00Z') + k * 7 * DAY; // k = 0: 2026-W10
  const definition = { kind: 'csat' as const, events: ['CSAT Submitted'], property: 'score', activeOnly: false };
  // Week 8 (before the range): 20 satisfied; W10: 10 unhappy; W11: 5 satisfied; W13: 30 satisfied.
  const responses: SurveyResponse[] = [
    ...Array.from({ length: 20 }, (_, i) => ({ actor: `p${i}`, t: W(-2), answer: '5', ideal: false })),
    ...Array.from({ length: 10 }, (_, i) => ({ actor: `q${i}`, t: W(0), answer: '1', ideal: false })),
    ...Array.from({ length: 5 }, (_, i) => ({ actor: `r${i}`, t: W(1), answer: '4', ideal: false })),
    ...Array.from({ length: 30 }, (_, i) => ({ actor: `s${i}`, t: W(3), answer: '5', ideal: false })),
  ];
  const section = surveySection('csat', definition, responses, rangeOfPeriods('2026-W10', '2026-W14', time), time, false);

  it('pools each week with the three before it, answers before the range included', () => {
    expect(section.rolling.map((w) => [w.period, w.responses, w.satisfied])).toEqual([
      ['2026-W10', 30, 20], // W08 20 + W10 10
      ['2026-W11', 35, 25],
      ['2026-W12', 15, 5], // W09–W12: W08 has left the window
      ['2026-W13', 45, 35],
      ['2026-W14', 35, 35], // W11–W14
    ]);
    expect(section.rolling[0].score).toBeCloseTo(20 / 30, 12);
  });

  it('marks a window under the minimum of answers insufficient, and the week-by-week series keeps its own counts', () => {
    expect(section.rolling.map((w) => w.sufficient)).toEqual([true, true, false, true, true]);
    expect(MIN_RESPONSES).toBe(30);
    expect(section.by_week.map((w) => w.responses)).toEqual([10, 5, 0, 30, 0]);
    expect(section.responses).toBe(45); // the range only
  });
});

describe('stage benchmarks', () => {
  it('holds the documented table', () => {
    expect(STAGE_BENCHMARKS.map((b) => [b.stage, b.pmf, b.retention30.b2b, b.retention30.b2c])).toEqual([
      ['pre-launch', { min: 0.2, max: 0.3 }, { max: 0.1 }, { max: 0.1 }],
      ['early', { min: 0.4 }, { min: 0.1, max: 0.2 }, { min: 0.1, max: 0.2 }],
      ['growth', { min: 0.4 }, { min: 0.2, max: 0.4 }, { min: 0.2, max: 0.4 }],
      ['mature', { min: 0.5 }, { min: 0.7 }, { min: 0.4 }],
    ]);
  });

  it('grades against a band', () => {
    const band = { min: 0.4 };
    expect([0.5, 0.4, 0.31, 0.3, 0.29, null].map((v) => grade(v, band))).toEqual(['on_target', 'on_target', 'near', 'near', 'below', 'no_data']);
    expect([0.35, 0.25, 0.19].map((v) => grade(v, { min: 0.2, max: 0.3 }))).toEqual(['ahead', 'on_target', 'near']);
  });

  it('puts measured values next to the targets of the stage and business model', () => {
    const retention = { value: 0.55, cohort: 400, retained: 220, cohort_from: '2026-01-01', cohort_to: '2026-04-01' };
    const b2b = buildBenchmarks('mature', 'b2b', { score: 0.52, responses: 80, warning: null }, retention);
    expect(b2b.grades).toEqual({ pmf: { target: '≥ 50%', grade: 'on_target' }, retention_30d: { target: '≥ 70%', grade: 'near' } });
    const b2c = buildBenchmarks('mature', 'b2c', { score: 0.52, responses: 80, warning: null }, retention);
    expect(b2c.grades.retention_30d).toEqual({ target: '≥ 40%', grade: 'on_target' });
    expect(b2c.table.find((r) => r.current)?.label).toBe('Mature / scale-up');
    const none = buildBenchmarks(null, null, { score: 0.1, responses: 12, warning: 'only 12 answers' }, retention);
    expect(none.grades).toEqual({ pmf: null, retention_30d: null });
    expect(none.notes.join('\n')).toMatch(/no stage is configured[\s\S]*no business_model[\s\S]*only 12 answers/);
  });
});

// ---------------------------------------------------------------------------------------------
// From events in the store

const CONFIG = [
  'product: Fixture',
  'stage: early',
  'ideal_user: { role: { eq: engineer } }',
  'journey:',
  '  visit: { event: Page Viewed }',
  '  signup: { event: Signed Up, owner: maya }',
  'north_star: { name: Messages, event: Message Sent, measure: count, frequency: week }',
  'surveys:',
  '  pmf: { event: Survey Answered, answer: response, active_only: true }',
  '  nps: { event: NPS Submitted, score: score }',
  '  csat: { event: CSAT Submitted, score: rating }',
].join('\n');

describe('surveys report from events', () => {
  let store: DuckDbStore;
  beforeAll(async () => {
    const at = (day: number, hour = 12) => new Date(Date.UTC(2026, 2, day, hour)).toISOString(); // March 2026
    store = await storeFrom([
      seg.identify('eng', { role: 'engineer' }, at(1)),
      seg.identify('pm', { role: 'pm' }, at(1)),
      seg.identify('idle', { role: 'engineer' }, at(1)),
      // eng and pm are active (sent a message within 14 days before answering); idle last did 20 days before.
      seg.track('Message Sent', { userId: 'eng' }, at(2)),
      seg.track('Message Sent', { userId: 'pm' }, at(3)),
      seg.track('Message Sent', { userId: 'idle' }, at(1, 0)),
      seg.track('Survey Answered', { userId: 'eng' }, at(4), { response: 'Very disappointed' }),
      seg.track('Survey Answered', { userId: 'pm' }, at(4), { response: 'Somewhat disappointed' }),
      seg.track('Survey Answered', { userId: 'idle' }, at(21), { response: 'Very disappointed' }),
      seg.track('NPS Submitted', { userId: 'eng' }, at(4), { score: 9 }),
      seg.track('NPS Submitted', { userId: 'pm' }, at(10), { score: '6' }),
      seg.track('NPS Submitted', { userId: 'idle' }, at(10), { score: 8 }),
      seg.track('CSAT Submitted', { userId: 'pm' }, at(11), { rating: 5 }),
      seg.track('CSAT Submitted', { userId: 'pm' }, at(12), { rating: 2 }),
    ]);
  });
  afterAll(async () => store.close());

  const run = async (segment: 'all' | 'ideal' | 'not_ideal' = 'all') => {
    const config = parseConfig(CONFIG);
    const ctx = reportContext(store, modelFromConfig(config), Date.parse('2026-04-01T00:00:00Z'));
    return surveysReport(ctx, healthModelFromConfig(config), rangeOfPeriods('2026-W10', '2026-W13', ctx.model.time), segment);
  };

  it('computes PMF among active users, NPS and CSAT, with the JSON contract fields', async () => {
    const report = await run();
    expect(report.pmf).toMatchObject({ responses: 2, very_disappointed: 0.5, very_disappointed_count: 1, inactive_excluded: 1 });
    expect(report.pmf!.warning).toMatch(/only 2 answers/);
    expect(report.nps).toMatchObject({ responses: 3, score: 0, promoters: 1, passives: 1, detractors: 1 });
    expect(report.csat).toMatchObject({ responses: 2, score: 0.5 });
    expect(report.nps!.by_week.map((w) => w.responses)).toEqual([1, 2, 0, 0]);
    expect(report.nps!.by_segment).toMatchObject({ ideal: { responses: 2, promoters: 1, passives: 1 }, not_ideal: { responses: 1, detractors: 1 } });
  });

  it('restricts to a segment', async () => {
    const report = await run('not_ideal');
    expect(report.nps).toMatchObject({ responses: 1, detractors: 1, score: -1 });
    expect(report.nps!.by_segment).toBeNull();
  });
});
