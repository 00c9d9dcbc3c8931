import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { guardrailIds } from '../src/config/schema/index.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { periodsIn, rangeOfPeriods } from '../src/model/time.js';
import { reportContext, type ReportContext } from '../src/reports/context.js';
import { buildGuardrails, evaluateGuardrail, guardrailsReport, type GuardedSeries } from '../src/reports/guardrails.js';
import { heartReport, relativeChange, taskResults, taskStats, type HeartMetricResult } from '../src/reports/heart.js';
import { seg, storeFrom } from './helpers/fixture-store.js';
import { healthModelFromConfig, modelFromConfig } from '../src/config/model.js';
import { betterDirection, type GuardrailDefinition } from '../src/model/health.js';

const BASE = [
  'product: Fixture',
  'stage: growth',
  'business_model: b2b',
  'journey:',
  '  visit: { event: Page Viewed }',
  '  signup: { event: Signed Up, owner: maya }',
  'north_star: { name: Messages, event: Message Sent, measure: count, frequency: week }',
  'surveys:',
  '  nps: { event: NPS Submitted, score: score }',
];

const HEART = [
  'heart:',
  '  happiness:',
  '    goal: People enjoy the replies they get',
  '    signals: [NPS answers, thumbs on replies]',
  '    metrics:',
  '      - { id: nps, survey: nps }',
  '      - { id: thumbs_up, name: Thumbs up, event: Reply Rated, share: { rating: { eq: up } } }',
  '  engagement:',
  '    goal: Teams talk here every day',
  '    metrics:',
  '      - { id: messages_per_user, name: Messages per user, event: Message Sent, measure: count, per: user }',
  '  adoption:',
  '    metrics:',
  '      - { id: new_users, event: Signed Up, measure: unique_users }',
  '      - { id: search_adoption, adoption: { event: Search Used, launched: 2026-03-02, within: 14d } }',
  '  retention:',
  '    metrics:',
  '      - { id: week1_retention, retention: { period: week, offset: 1 } }',
  '  task_success:',
  '    metrics:',
  '      - { id: upload, name: Upload, task: { start: Upload Started, complete: Upload Completed, error: Upload Failed } }',
  '      - { id: export, name: Export, task: { start: Export Started, complete: Export Completed, key: export_id } }',
  'guardrails:',
  '  - { metric: heart.messages_per_user, guardrail: heart.thumbs_up, threshold: 0.1, note: Engagement must not cost happiness }',
  '  - { metric: heart.upload, guardrail: heart.upload.error_rate, threshold: 0.05, threshold_type: absolute }',
  '  - { metric: north_star, guardrail: surveys.nps }',
];
const yaml = (...lines: string[]) => [...BASE, ...lines].join('\n') + '\n';

describe('config: heart and guardrails', () => {
  it('parses goals → signals → metrics and the pairs', () => {
    const config = parseConfig(yaml(...HEART));
    expect(Object.keys(config.heart!)).toEqual(['happiness', 'engagement', 'adoption', 'retention', 'task_success']);
    expect(config.heart!.happiness!.signals).toEqual(['NPS answers', 'thumbs on replies']);
    expect(config.heart!.adoption!.metrics[1].adoption).toEqual({ event: 'Search Used', launched: '2026-03-02', within: 14 });
    expect(config.guardrails[0]).toEqual({ metric: 'heart.messages_per_user', guardrail: 'heart.thumbs_up', threshold: 0.1, threshold_type: 'relative', note: 'Engagement must not cost happiness' });
    expect(config.guardrails[2].threshold).toBe(0.05);
    expect(guardrailIds(config)).toEqual(expect.arrayContaining(['north_star', 'journey.signup', 'health.mrr', 'surveys.nps', 'heart.nps', 'heart.upload.error_rate', 'heart.upload.median_seconds']));
    expect(guardrailIds(config)).not.toContain('heart.upload');
  });

  it('is optional', () => {
    const config = parseConfig(yaml());
    expect(config.heart).toBeUndefined();
    expect(config.guardrails).toEqual([]);
    expect(healthModelFromConfig(config).heart).toEqual([]);
  });

  const fails = (lines: string[], message: RegExp) => expect(() => parseConfig(yaml(...lines))).toThrow(message);

  it('names a misspelt category with its line', () => {
    fails(['heart:', '  hapiness: { metrics: [ { id: nps, survey: nps } ] }'], /line 11 heart\.hapiness: unknown HEART category "hapiness" \(did you mean "happiness"\?\)/);
  });

  it('wants exactly one thing measured per metric', () => {
    fails(['heart:', '  engagement: { metrics: [ { id: x } ] }'], /heart\.engagement\.metrics\[0\]: expected one of event, survey, adoption, retention or task/);
    fails(['heart:', '  engagement: { metrics: [ { id: x, event: A, survey: nps } ] }'], /measures one thing; it has event or survey/);
    fails(['heart:', '  task_success: { metrics: [ { id: x, task: { start: A, complete: B }, measure: count } ] }'], /metrics\[0\]\.measure: only applies to a metric with event:/);
    fails(['heart:', '  happiness: { metrics: [ { id: x, event: A, share: { up: { eq: 1 } }, per: user } ] }'], /metrics\[0\]\.per: share: is a fraction/);
    fails(['heart:', '  task_success: { metrics: [ { id: x, task: { start: A, finish: B } } ] }'], /unknown key "finish"/);
    fails(['heart:', '  engagement: { metrics: [] }'], /expected at least 1 item/);
  });

  it('checks survey metrics, unique ids and dates', () => {
    fails(['heart:', '  happiness: { metrics: [ { id: c, survey: csat } ] }'], /surveys\.csat is not configured/);
    fails(['heart:', '  happiness: { metrics: [ { id: a, survey: nps } ] }', '  engagement: { metrics: [ { id: a, event: X } ] }'], /duplicate HEART metric id "a" \(also heart\.happiness\.metrics\[0\]\)/);
    fails(['heart:', '  adoption: { metrics: [ { id: a, adoption: { event: X, launched: 2026-02-30 } } ] }'], /expected a date like 2026-12-31/);
  });

  it('checks guardrail references', () => {
    fails([...HEART.slice(0, 22), 'guardrails:', '  - { metric: heart.mesages_per_user, guardrail: heart.nps }'], /guardrails\[0\]\.metric: expected north_star, .* got "heart\.mesages_per_user" \(did you mean "heart\.messages_per_user"\?\)/);
    fails([...HEART.slice(0, 22), 'guardrails:', '  - { metric: heart.nps, guardrail: heart.nps }'], /a metric cannot be its own guardrail/);
    fails([...HEART.slice(0, 22), 'guardrails:', '  - { metric: heart.nps, guardrail: surveys.csat }'], /guardrails\[0\]\.guardrail: expected/);
    fails([...HEART.slice(0, 22), 'guardrails:', '  - { metric: heart.nps, guardrail: north_star, threshold: 0 }'], /threshold: expected a number > 0/);
  });

  it('knows which way is good', () => {
    const health = healthModelFromConfig(parseConfig(yaml(...HEART)));
    expect(['heart.upload.completion_rate', 'heart.upload.error_rate', 'heart.upload.median_seconds', 'heart.nps', 'health.revenue_churn', 'health.mrr', 'north_star']
      .map((id) => betterDirection(id, health))).toEqual(['higher', 'lower', 'lower', 'higher', 'lower', 'higher', 'higher']);
  });
});

describe('task success (pure)', () => {
  it('derives the rates and the median in seconds', () => {
    expect(taskStats({ period: 'all', started: 8, completed: 6, errored: 1, median_ms: 90_500 })).toEqual({
      started: 8, completed: 6, errored: 1, completion_rate: 0.75, error_rate: 0.125, median_seconds: 90.5,
    });
    expect(taskStats(undefined)).toMatchObject({ started: 0, completion_rate: null, error_rate: null, median_seconds: null });
  });

  it('makes three metrics per task', () => {
    const def = { id: 'upload', name: 'Upload', category: 'task_success' as const, better: 'higher' as const, measurement: { kind: 'task' as const, start: ['S'], complete: ['C'] } };
    const weeks = periodsIn(rangeOfPeriods('2026-W10', '2026-W11', { timezone: 'UTC', weekStart: 'monday' }), 'week', { timezone: 'UTC', weekStart: 'monday' });
    const results = taskResults(def, [
      { period: '2026-03-02', started: 4, completed: 2, errored: 1, median_ms: 2000 },
      { period: '2026-03-09', started: 2, completed: 2, errored: 0, median_ms: 1000 },
      { period: 'all', started: 6, completed: 4, errored: 1, median_ms: 1500 },
    ], weeks);
    expect(results.map((r) => [r.id, r.better, r.value, r.previous, r.overall])).toEqual([
      ['upload.completion_rate', 'higher', 1, 0.5, 4 / 6],
      ['upload.median_seconds', 'lower', 1, 2, 1.5],
      ['upload.error_rate', 'lower', 0, 0.25, 1 / 6],
    ]);
    expect(results[0].change).toBe(1);
  });

  it('relative change', () => {
    expect([relativeChange(2, 3), relativeChange(-2, -1), relativeChange(0, 1), relativeChange(null, 1)]).toEqual([0.5, 0.5, null, null]);
  });
});

describe('guardrails (pure)', () => {
  const series = (id: string, better: 'higher' | 'lower', values: (number | null)[]): GuardedSeries =>
    ({ id, name: id, better, points: values.map((value, i) => ({ period: `2026-W${String(10 + i).padStart(2, '0')}`, value })) });
  const pair = (threshold = 0.05, thresholdType: 'relative' | 'absolute' = 'relative'): GuardrailDefinition =>
    ({ metric: 'engagement', guardrail: 'happiness', threshold, thresholdType, note: null });

  it('calls out an improvement bought with a worse guardrail, in plain words', () => {
    const r = evaluateGuardrail(pair(), series('engagement', 'higher', [100, 110, 130]), series('happiness', 'higher', [0.5, 0.49, 0.4]));
    expect(r.status).toBe('contradiction');
    expect(r.contradictions).toEqual(['2026-W12']); // W11: happiness −2 %, within the 5 % allowed
    expect(r.weeks[2]).toMatchObject({ metric_improved: true, guardrail_worsened: true });
    expect(r.weeks[2].metric_change).toBeCloseTo(20 / 110, 12);
    expect(r.weeks[2].guardrail_change).toBeCloseTo(-0.09 / 0.49, 12);
    expect(r.message).toBe('2026-W12: engagement improved (110 → 130, +18.2%) while its guardrail happiness got worse (0.49 → 0.4, −18.4%; more than the 5% allowed). '
      + 'The gain may be coming at the expense of happiness: look at both before celebrating.');
  });

  it('is quiet when both improve, when the metric does not improve, or within the threshold', () => {
    const ok = evaluateGuardrail(pair(), series('e', 'higher', [1, 2]), { ...series('h', 'higher', [0.1, 0.2]), unit: 'ratio' });
    expect(ok.status).toBe('ok');
    expect(ok.message).toBe('2026-W11: e 1 → 2, h 10.0% → 20.0%: no contradiction.');
    expect(evaluateGuardrail(pair(), series('e', 'higher', [2, 1]), series('h', 'higher', [2, 1])).status).toBe('ok');
    expect(evaluateGuardrail(pair(), series('e', 'higher', [1, 2]), series('h', 'higher', [1, 0.96])).status).toBe('ok');
    expect(evaluateGuardrail(pair(), series('e', 'higher', [1, 2]), series('h', 'higher', [1, 0.94])).status).toBe('contradiction');
  });

  it('respects lower-is-better metrics and absolute thresholds', () => {
    // Completion rate up while the error rate (lower is better) rises 0.03 → 0.10: +0.07 > 0.05 absolute.
    const r = evaluateGuardrail(pair(0.05, 'absolute'), series('completion', 'higher', [0.8, 0.85]), series('errors', 'lower', [0.03, 0.1]));
    expect(r.status).toBe('contradiction');
    expect(r.weeks[1].guardrail_change).toBeCloseTo(0.07, 12);
    expect(r.message).toMatch(/errors got worse \(0\.03 → 0\.1, \+0\.07; more than the 0\.05 allowed\)/);
    // Churn (lower is better) falling is an improvement, not a contradiction.
    expect(evaluateGuardrail(pair(), series('mrr', 'higher', [1, 2]), series('churn', 'lower', [0.05, 0.02])).status).toBe('ok');
  });

  it('says when there is nothing to compare', () => {
    const r = evaluateGuardrail(pair(), series('e', 'higher', [1, null]), series('h', 'higher', [1, 0]));
    expect(r.status).toBe('no_data');
    const report = buildGuardrails([pair()], new Map(), ['2026-W10', '2026-W11']);
    expect(report.pairs[0].status).toBe('no_data');
    expect(report.alerts).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The whole HEART report from events

describe('HEART report from events', () => {
  let store: DuckDbStore;
  let ctx: ReportContext;
  const t = (day: number, hh = 10, mm = 0, ss = 0) => new Date(Date.UTC(2026, 2, day, hh, mm, ss)).toISOString(); // March 2026; W10 = Mar 2–8
  const feb = (day: number) => new Date(Date.UTC(2026, 1, day, 10)).toISOString();
  const u = (id: string) => ({ userId: id });

  beforeAll(async () => {
    store = await storeFrom([
      ...['u1', 'u2', 'u3', 'u4', 'u5'].map((id) => seg.identify(id, { role: 'engineer' }, feb(20))),
      seg.track('Signed Up', u('u1'), feb(24)), seg.track('Signed Up', u('u2'), feb(25)), seg.track('Signed Up', u('u3'), t(3)),
      // Engagement: W10 u1 and u2 send 2 each (2 per user); W11 u1 sends 6.
      ...[2, 3].map((d) => seg.track('Message Sent', u('u1'), t(d))), ...[2, 3].map((d) => seg.track('Message Sent', u('u2'), t(d))),
      ...[9, 9, 10, 10, 11, 11].map((d) => seg.track('Message Sent', u('u1'), t(d))),
      // Happiness: thumbs 3 of 4 up in W10, 1 of 4 in W11; NPS 10 in W10, 3 in W11.
      ...['up', 'up', 'up', 'down'].map((rating) => seg.track('Reply Rated', u('u1'), t(4), { rating })),
      ...['up', 'down', 'down', 'down'].map((rating) => seg.track('Reply Rated', u('u1'), t(10), { rating })),
      seg.track('NPS Submitted', u('u1'), t(5), { score: 10 }), seg.track('NPS Submitted', u('u2'), t(12), { score: 3 }),
      // Adoption of search, launched Mar 2: u1 and u2 in W10 (of u1–u5 active), u1 in W11 (of u1 and u2).
      seg.track('Search Used', u('u1'), t(3)), seg.track('Search Used', u('u2'), t(4)), seg.track('Search Used', u('u1'), t(10)),
      // Uploads, paired on the actor: W10 6 started, 3 completed (60 s, 120 s, 180 s), 1 failed; W11 1 started, completed in 600 s.
      seg.track('Upload Started', u('u1'), t(2, 10)), seg.track('Upload Completed', u('u1'), t(2, 10, 1)),
      seg.track('Upload Started', u('u1'), t(2, 11)), seg.track('Upload Failed', u('u1'), t(2, 11, 0, 30)),
      seg.track('Upload Started', u('u2'), t(3, 10)), seg.track('Upload Started', u('u2'), t(3, 10, 5)), seg.track('Upload Completed', u('u2'), t(3, 10, 7)),
      seg.track('Upload Started', u('u3'), t(4)),
      seg.track('Upload Started', u('u4'), t(4, 10)), seg.track('Upload Completed', u('u4'), t(4, 10, 3)),
      seg.track('Upload Started', u('u1'), t(9, 10)), seg.track('Upload Completed', u('u1'), t(9, 10, 10)),
      // Exports, paired on export_id: two overlapping exports, 300 s and 60 s.
      seg.track('Export Started', u('u5'), t(5, 10, 0), { export_id: 'a' }), seg.track('Export Started', u('u5'), t(5, 10, 1), { export_id: 'b' }),
      seg.track('Export Completed', u('u5'), t(5, 10, 2), { export_id: 'b' }), seg.track('Export Completed', u('u5'), t(5, 10, 5), { export_id: 'a' }),
    ]);
    ctx = reportContext(store, modelFromConfig(parseConfig(yaml(...HEART))), Date.parse('2026-03-23T00:00:00Z'));
  });
  afterAll(async () => store.close());

  const health = () => healthModelFromConfig(parseConfig(yaml(...HEART)));
  const range = () => rangeOfPeriods('2026-W10', '2026-W11', ctx.model.time);
  const byId = async () => {
    const report = await heartReport(ctx, health(), range());
    const all = new Map<string, HeartMetricResult>();
    for (const c of report.categories) for (const m of c.metrics) all.set(m.id, m);
    return { report, all };
  };
  const values = (m: HeartMetricResult | undefined) => m!.series.map((p) => p.value);

  it('keeps the goals and signals of every category', async () => {
    const { report } = await byId();
    expect(report.weeks).toEqual(['2026-W10', '2026-W11']);
    expect(report.categories.map((c) => [c.category, c.goal])).toEqual([
      ['happiness', 'People enjoy the replies they get'], ['engagement', 'Teams talk here every day'],
      ['adoption', null], ['retention', null], ['task_success', null],
    ]);
  });

  it('happiness: NPS by week and the share of thumbs up', async () => {
    const { all } = await byId();
    expect(values(all.get('nps'))).toEqual([1, -1]);
    expect(all.get('nps')!.unit).toBe('nps');
    expect(values(all.get('thumbs_up'))).toEqual([0.75, 0.25]);
    expect(all.get('thumbs_up')!.overall).toBe(0.5);
  });

  it('engagement and adoption through the metric engine', async () => {
    const { all } = await byId();
    expect(values(all.get('messages_per_user'))).toEqual([2, 6]);
    expect(values(all.get('new_users'))).toEqual([1, 0]);
    const search = all.get('search_adoption')!;
    expect(values(search)).toEqual([2 / 5, 1 / 2]); // W11: u1 searched; u1 and u2 were active
    expect(search.overall).toBe(2 / 5); // of the 5 known users active in the 14 days after launch, 2 searched
  });

  it('retention: week-1 retention measured each week', async () => {
    const { all } = await byId();
    // W10 measures the W09 cohort (u1, u2: both active in W10); W11 the W10 cohort (u3: not active in W11).
    expect(values(all.get('week1_retention'))).toEqual([1, 0]);
    expect(all.get('week1_retention')!.overall).toBeCloseTo(2 / 3, 12);
  });

  it('task success: completion rate, median time to complete, error rate', async () => {
    const { all } = await byId();
    expect(values(all.get('upload.completion_rate'))).toEqual([3 / 6, 1]);
    expect(values(all.get('upload.median_seconds'))).toEqual([120, 600]);
    expect(values(all.get('upload.error_rate'))).toEqual([1 / 6, 0]);
    // Overall: 7 started, 4 completed in 60, 120, 180 and 600 s: median (120 + 180) / 2.
    expect(all.get('upload.completion_rate')!.overall).toBeCloseTo(4 / 7, 12);
    expect(all.get('upload.median_seconds')!.overall).toBe(150);
    expect(all.get('upload.error_rate')!.overall).toBeCloseTo(1 / 7, 12);
    // Exports pair on export_id: both complete (300 s and 60 s), although they overlap.
    expect(all.get('export.completion_rate')!.overall).toBe(1);
    expect(all.get('export.median_seconds')!.overall).toBe(180);
  });

  it('guardrails: more messages per user while thumbs up fell is called out', async () => {
    const report = await guardrailsReport(ctx, health(), range());
    // The North Star rose 4 → 6 messages while NPS fell from +100 to −100: a contradiction too.
    expect(report.pairs.map((p) => p.status)).toEqual(['contradiction', 'ok', 'contradiction']);
    expect(report.alerts[1]).toMatch(/^2026-W11: Messages improved \(4 → 6, \+50\.0%\) while its guardrail NPS got worse \(\+100 → −100, −200\.0%/);
    expect(report.alerts.slice(0, 1)).toEqual([
      '2026-W11: Messages per user improved (2 → 6, +200.0%) while its guardrail Thumbs up got worse (75.0% → 25.0%, −66.7%; more than the 10% allowed). '
      + 'The gain may be coming at the expense of Thumbs up: look at both before celebrating.',
    ]);
    // Upload completion went up and its error rate went down.
    expect(report.pairs[1].weeks[1]).toMatchObject({ metric_improved: true, guardrail_worsened: false });
  });
});
