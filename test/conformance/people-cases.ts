/**
 * The people behind every number, in the conformance table: each case opens lists through the
 * catalogue's `people` read and requires each list's total to equal the number it is behind, as the
 * number's own report gives it (on every data set, on each engine); the lists' ids are the answer the
 * engines must agree on. One case pages through a list and requires the pages to make up the whole.
 */
import { findRead } from '../../src/app/catalogue.js';
import { prepareRead } from '../../src/app/run.js';
import { retentionDefinition } from '../../src/model/metric-model.js';
import { periodsIn } from '../../src/model/time.js';
import type { ReportContext } from '../../src/reports/context.js';
import { funnelReport, weeklyStageCountsWithIdeal, weeklyStagesReport } from '../../src/reports/funnel.js';
import { leadingReport } from '../../src/reports/leading.js';
import type { PeopleList } from '../../src/reports/people.js';
import { pqlReport } from '../../src/reports/pql.js';
import { retentionReport } from '../../src/reports/retention.js';
import { revenueReport } from '../../src/reports/revenue.js';
import { riskReport } from '../../src/reports/risk.js';
import { healthModelFromConfig } from '../../src/config/model.js';
import type { Case, Env } from './cases.js';

type Params = Record<string, string>;

/** The `people` read as every entrance runs it. */
export async function peopleRead(ctx: ReportContext, env: Env, params: Params): Promise<PeopleList> {
  const read = prepareRead(findRead('people')!, { asOf: new Date(ctx.asOf).toISOString(), limit: '1000', ...params }, 'cli');
  return await read.run(ctx.engine, env.config, ctx.model) as PeopleList;
}

/** Opens the list and holds its total to the number; the answer: the number and the ids. */
async function behind(ctx: ReportContext, env: Env, what: string, number: number, params: Params) {
  const list = await peopleRead(ctx, env, params);
  if (list.total !== number) throw new Error(`${what}: the list has ${list.total}, the number is ${number}`);
  if (list.rows.length !== Math.min(number, 1000)) throw new Error(`${what}: ${list.rows.length} rows of ${number}`);
  return { what, number, ids: list.rows.map((r) => r.id) };
}

const names = (env: Env, ctx: ReportContext, frequency: 'week' | 'month') =>
  periodsIn(frequency === 'week' ? env.weeks : env.months, frequency, ctx.model.time).map((p) => p.name);

const rangeParams = (env: Env, ctx: ReportContext, frequency: 'week' | 'month' = 'week'): Params => {
  const all = names(env, ctx, frequency);
  return { from: all[0], to: all[all.length - 1] };
};

/** The week of each stage with the most actors, per segment (all, and ideal from the same pass). */
async function stageCells(ctx: ReportContext, env: Env) {
  const weeks = names(env, ctx, 'week');
  const counts = await weeklyStageCountsWithIdeal(ctx, env.weeks);
  const report = await weeklyStagesReport(ctx, env.weeks, 'all');
  const out = [];
  for (const { stage } of ctx.model.journey) {
    const all = counts.all[stage]!;
    const i = all.indexOf(Math.max(...all));
    if (report.weeks[i].stages[stage] !== all[i]) throw new Error(`${stage}: the two weekly counts differ`);
    out.push(await behind(ctx, env, `${stage} ${weeks[i]}`, all[i], { of: 'stage', stage, week: weeks[i] }));
    out.push(await behind(ctx, env, `${stage} ${weeks[i]}, ideal`, counts.ideal[stage]![i], { of: 'stage', stage, week: weeks[i], segment: 'ideal' }));
  }
  return out;
}

async function funnelSteps(ctx: ReportContext, env: Env, segment: 'all' | 'ideal') {
  const report = await funnelReport(ctx, env.weeks, segment);
  const out = [];
  for (const [i, step] of report.steps.entries()) {
    const params = { of: 'funnel', ...rangeParams(env, ctx), segment, step: String(i + 1) };
    out.push(await behind(ctx, env, `step ${step.stage}`, step.actors, params));
    if (i + 1 < report.steps.length) {
      out.push(await behind(ctx, env, `dropped after ${step.stage}`, step.actors - report.steps[i + 1].actors, { ...params, dropped: '1' }));
    }
  }
  return out;
}

/** Every cell of the largest cohort, in both modes and both readings of period 0. */
async function retentionCells(ctx: ReportContext, env: Env, period: 'week' | 'month', mode: 'on' | 'on-or-after', periodZero: 'cohort' | 'action') {
  const params = { ...rangeParams(env, ctx, period), period, mode, periodZero };
  const definition = retentionDefinition(ctx.model, period, mode === 'on' ? 'on' : 'on_or_after');
  const report = await retentionReport(ctx, definition, period === 'week' ? env.weeks : env.months, 'all', periodZero);
  const cohort = report.cohorts.filter((c) => c.retained.length > 0).sort((a, b) => b.size - a.size)[0];
  if (!cohort) return [];
  const out = [];
  for (const [k, n] of cohort.retained.entries()) {
    out.push(await behind(ctx, env, `${cohort.cohort} +${k}`, n, { of: 'retention', ...params, cohort: cohort.cohort, periodsAfter: String(k) }));
  }
  return out;
}

const MOVEMENTS = [
  ['new', 'new_customers'], ['expansion', 'expanded_customers'], ['contraction', 'contracted_customers'],
  ['churn', 'churned_customers'], ['reactivation', 'reactivated_customers'],
] as const;

async function mrrMovements(ctx: ReportContext, env: Env) {
  const report = await revenueReport(ctx, healthModelFromConfig(env.config), 'month', env.months);
  const out = [];
  for (const p of report.periods) {
    for (const [movement, field] of MOVEMENTS) out.push(await behind(ctx, env, `${p.period} ${movement}`, p[field], { of: 'mrr', month: p.period, movement }));
  }
  return out;
}

async function pqls(ctx: ReportContext, env: Env) {
  const report = await pqlReport(ctx, env.weeks);
  const out = [await behind(ctx, env, 'PQLs', report.pqls.length, { of: 'pql', ...rangeParams(env, ctx) })];
  for (const w of report.weeks.filter((w) => w.pqls > 0)) out.push(await behind(ctx, env, `PQLs ${w.week}`, w.pqls, { of: 'pql', week: w.week }));
  return out;
}

/** The did and did-not groups of the three best indicators. */
async function indicatorGroups(ctx: ReportContext, env: Env, outcome: 'retained' | 'upgraded') {
  const report = await leadingReport(ctx, { outcome, minGroup: 1 });
  const out = [];
  for (const i of report.indicators.slice(0, 3)) {
    const params = { of: 'indicator', outcome, event: i.event, atLeast: String(i.at_least) };
    out.push(await behind(ctx, env, `did ${i.event} ×${i.at_least}`, i.did, params));
    out.push(await behind(ctx, env, `did not ${i.event} ×${i.at_least}`, i.did_not, { ...params, group: 'did-not' }));
  }
  return out;
}

/**
 * The biggest funnel list (its first 1000 rows), in four or five pages: the pages make up the list,
 * in id order, once each; a page past the end is empty and still tells the total.
 */
async function paging(ctx: ReportContext, env: Env) {
  const params = { of: 'funnel', ...rangeParams(env, ctx), step: '1' };
  const whole = await peopleRead(ctx, env, params);
  const expected = whole.rows.map((r) => r.id);
  const ids: string[] = [];
  const size = Math.max(3, Math.ceil(expected.length / 4));
  for (let offset = 0; offset < expected.length; offset += size) {
    const page = await peopleRead(ctx, env, { ...params, limit: String(size), offset: String(offset) });
    if (page.total !== whole.total) throw new Error(`page at ${offset}: total ${page.total}, not ${whole.total}`);
    ids.push(...page.rows.map((r) => r.id));
  }
  if (JSON.stringify(ids.slice(0, expected.length)) !== JSON.stringify(expected)) throw new Error('the pages do not make up the whole list');
  if (JSON.stringify([...expected].sort()) !== JSON.stringify(expected) || new Set(expected).size !== expected.length) throw new Error('the list is not in id order, once each');
  const past = await peopleRead(ctx, env, { ...params, offset: String(whole.total) });
  if (past.rows.length !== 0 || past.total !== whole.total) throw new Error('a page past the end is not empty with the total');
  return { total: whole.total, rows: whole.rows };
}

export const PEOPLE_CASES: Case[] = [
  { name: 'people behind the weekly stage cells', read: 'people', run: stageCells },
  ...(['all', 'ideal'] as const).map((segment): Case => ({ name: `people behind the funnel steps and drop-offs, ${segment}`, read: 'people', run: (ctx, env) => funnelSteps(ctx, env, segment) })),
  { name: 'people behind retention cells, weekly, on, period 0 the action', read: 'people', run: (ctx, env) => retentionCells(ctx, env, 'week', 'on', 'action') },
  { name: 'people behind retention cells, monthly, on or after', read: 'people', run: (ctx, env) => retentionCells(ctx, env, 'month', 'on-or-after', 'cohort') },
  { name: 'accounts behind the MRR movements', read: 'people', run: mrrMovements },
  { name: 'people behind the PQLs', read: 'people', run: pqls },
  { name: 'accounts at risk', read: 'people', run: async (ctx, env) => behind(ctx, env, 'at risk', (await riskReport(ctx)).accounts.length, { of: 'risk' }) },
  ...(['retained', 'upgraded'] as const).map((outcome): Case => ({ name: `people in the indicator groups, ${outcome}`, read: 'people', heavy: true, run: (ctx, env) => indicatorGroups(ctx, env, outcome) })),
  { name: 'people lists page by page (traits and last activity)', read: 'people', run: paging },
];
