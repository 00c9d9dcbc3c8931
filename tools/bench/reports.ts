/**
 * The six reads the bench compares with a hand-written baseline: truenorth's side is the read of the
 * operation catalogue with its default parameters (what the CLI and the read API run; retention with
 * week 0 as the retention action, which is what there is to count), the other a
 * plain SQL version computing the same numbers. Both sides turn their result into an `Answer` (figure name → number), so every run also
 * checks that truenorth and the baseline agree.
 */
import { READS } from '../../src/app/catalogue.js';
import type { Config } from '../../src/config/schema/index.js';
import type { SqlEngine } from '../../src/engine/sql-engine.js';
import { STAGES } from '../../src/model/metrics.js';
import { DAY_MS, parsePeriod, periodsIn, type Period } from '../../src/model/time.js';
import type { ReportContext } from '../../src/reports/context.js';
import { RETAINED_WINDOW_DAYS } from '../../src/reports/leading.js';
import { resolveRange } from '../../src/reports/params.js';
import { lastCompleteMonths } from '../../src/reports/providers.js';
import { scorecardWeeks } from '../../src/reports/scorecard-report.js';
import type { Answer } from './answers.js';
import type { BaselineSql } from './baseline-sql.js';
import { runRead } from './read.js';

export const BASELINE_REPORTS = ['scorecard', 'funnel', 'retention', 'pql', 'revenue', 'leading'] as const;
export type BaselineReport = (typeof BASELINE_REPORTS)[number];

export interface BaselineBench {
  name: BaselineReport;
  /** What is timed on the truenorth side: the read as the CLI runs it, and the figures it gives. */
  truenorth(ctx: ReportContext, config: Config): Promise<Answer>;
  /** What is timed on the baseline side: the hand-written statements, run one after the other. */
  baseline(engine: SqlEngine, sql: BaselineSql, ctx: ReportContext, config: Config): Promise<Answer>;
}

const num = (v: unknown): number => Number(v);
const weekMs = (name: string) => {
  const d = parsePeriod(name).start;
  return Date.UTC(d.year, d.month - 1, d.day);
};

function bounds(periods: Period[]): number[] {
  return [...periods.map((p) => p.from), periods[periods.length - 1].to];
}

interface BridgeRow {
  period: number; mrr_start: number; new: number; reactivation: number; expansion: number; contraction: number;
  churn: number; mrr_end: number; customers_start: number; customers_end: number;
}

async function bridge(engine: SqlEngine, sql: BaselineSql, periods: Period[]): Promise<Map<number, BridgeRow>> {
  const rows = await engine.all<Record<string, unknown>>(sql.bridge(bounds(periods)));
  const out = new Map<number, BridgeRow>();
  for (const r of rows) {
    const row = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, num(v)])) as unknown as BridgeRow;
    out.set(row.period, row);
  }
  return out;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

function bridgeFigures(b: BridgeRow | undefined): Record<string, number | null> {
  const z = b ?? { mrr_start: 0, new: 0, reactivation: 0, expansion: 0, contraction: 0, churn: 0, mrr_end: 0, customers_start: 0, customers_end: 0 } as BridgeRow;
  return {
    mrr_start: z.mrr_start / 100, new: z.new / 100, reactivation: z.reactivation / 100, expansion: z.expansion / 100,
    contraction: z.contraction / 100, churn: z.churn / 100, mrr_end: z.mrr_end / 100,
    customers_start: z.customers_start, customers_end: z.customers_end,
    gross_revenue_churn: ratio(z.churn + z.contraction, z.mrr_start),
    nrr: ratio(z.mrr_start + z.expansion - z.contraction - z.churn, z.mrr_start),
  };
}

const scorecard: BaselineBench = {
  name: 'scorecard',
  async truenorth(ctx, config) {
    const report = await runRead(READS.scorecard, ctx, config);
    const out: Answer = new Map();
    for (const row of report.rows) row.values.forEach((v, i) => out.set(`${row.id}|${report.weeks[i]}`, v));
    const b = report.bottleneck_ideal;
    if (b) out.set(`ideal ${b.from_stage}→${b.stage}`, b.actual_rate);
    return out;
  },
  async baseline(engine, sql, ctx, config) {
    const weeks = scorecardWeeks(ctx, {}, config.scorecard.weeks);
    const range = { from: weeks[0].from, to: weeks[weeks.length - 1].to };
    const index = new Map(weeks.map((w, i) => [w.from, i]));
    const ns = await engine.all<{ week: number; value: number }>(sql.northStar(range));
    const stages = await engine.all<{ stage: string; week: number; actors: number; ideal: number }>(sql.stageCounts(range));
    const money = await bridge(engine, sql, weeks);
    // Revenue churn and NRR read, each week, the last calendar month complete by its end.
    const months = lastCompleteMonths(weeks, ctx.model.time);
    const distinctMonths = months.filter((m, i) => i === 0 || m.name !== months[i - 1].name);
    const monthly = await bridge(engine, sql, distinctMonths);
    const cash = await engine.all<{ period: string; value: number | null }>(sql.manual('cash_balance'));

    const out: Answer = new Map();
    const nsByWeek = new Map(ns.map((r) => [num(r.week), num(r.value)]));
    const all = new Map<string, number>();
    const ideal = new Map<string, number>();
    for (const r of stages) {
      all.set(`${r.stage}|${num(r.week)}`, num(r.actors));
      ideal.set(`${r.stage}|${num(r.week)}`, num(r.ideal));
    }
    const cashByWeek = new Map(cash.map((r) => [r.period, r.value === null ? null : num(r.value)]));
    weeks.forEach((w, i) => {
      out.set(`north_star|${w.name}`, nsByWeek.get(w.from) ?? 0);
      for (const s of STAGES) out.set(`journey.${s}|${w.name}`, all.get(`${s}|${w.from}`) ?? 0);
      out.set(`health.mrr|${w.name}`, bridgeFigures(money.get(w.from)).mrr_end);
      const m = bridgeFigures(monthly.get(months[i].from));
      out.set(`health.revenue_churn|${w.name}`, m.gross_revenue_churn);
      out.set(`health.nrr|${w.name}`, m.nrr);
      out.set(`health.cash_balance|${w.name}`, cashByWeek.get(w.name) ?? null);
    });
    // The bottleneck among ideal users, in the last week: the step furthest below its target.
    const last = weeks[weeks.length - 1].from;
    let worst: { key: string; rate: number; score: number } | null = null;
    for (let i = 1; i < STAGES.length; i++) {
      const from = STAGES[i - 1];
      const to = STAGES[i];
      const target = config.journey[to]?.target_rate;
      const a = ideal.get(`${from}|${last}`) ?? 0;
      if (!target || a === 0) continue;
      const rate = (ideal.get(`${to}|${last}`) ?? 0) / a;
      const score = rate === 0 ? Infinity : target / rate;
      if (score > 1 && (!worst || score > worst.score)) worst = { key: `ideal ${from}→${to}`, rate, score };
    }
    if (worst) out.set(worst.key, worst.rate);
    return out;
  },
};

function funnelAnswer(levels: Map<string, Map<number, number>>): Answer {
  const out: Answer = new Map();
  for (const [group, byLevel] of levels) {
    for (let k = 1; k <= STAGES.length; k++) {
      let n = 0;
      for (const [level, actors] of byLevel) if (level >= k) n += actors;
      out.set(`${group}|${STAGES[k - 1]}`, n);
    }
  }
  return out;
}

const funnel: BaselineBench = {
  name: 'funnel',
  async truenorth(ctx, config) {
    const report = await runRead(READS.funnel, ctx, config);
    if (!('steps' in report)) throw new Error('funnel: expected the cohort funnel, got the weekly stage counts');
    const out: Answer = new Map();
    for (const s of report.steps) out.set(`all|${s.stage}`, s.actors);
    for (const g of report.breakdown?.groups ?? []) for (const s of g.steps) out.set(`${g.value}|${s.stage}`, s.actors);
    return out;
  },
  async baseline(engine, sql, ctx) {
    const range = resolveRange({}, ctx.model, ctx.asOf, 'week');
    const rows = await engine.all<{ level: number; ideal: number | boolean; actors: number }>(sql.funnel(range));
    const levels = new Map<string, Map<number, number>>([['all', new Map()], ['ideal', new Map()], ['not_ideal', new Map()]]);
    for (const r of rows) {
      const level = num(r.level);
      for (const g of ['all', num(r.ideal) ? 'ideal' : 'not_ideal']) {
        const m = levels.get(g)!;
        m.set(level, (m.get(level) ?? 0) + num(r.actors));
      }
    }
    return funnelAnswer(levels);
  },
};

const retention: BaselineBench = {
  name: 'retention',
  async truenorth(ctx, config) {
    // Week 0 as the retention action: the figure the baseline counts (as the whole cohort it would repeat the size).
    const report = await runRead(READS.retention, ctx, config, { periodZero: 'action' });
    const out: Answer = new Map();
    for (const c of report.cohorts) {
      const ms = weekMs(c.cohort);
      out.set(`size|${ms}`, c.size);
      c.retained.forEach((n, k) => out.set(`retained|${ms}|${k}`, n));
    }
    return out;
  },
  async baseline(engine, sql, ctx) {
    const range = resolveRange({}, ctx.model, ctx.asOf, 'week', 12);
    const rows = await engine.all<Record<string, unknown>>(sql.retention(range));
    const out: Answer = new Map();
    for (const r of rows) {
      if ('retained' in r) {
        // ClickHouse: one row per cohort with its size and the retention() array.
        const ms = num(r.cohort);
        out.set(`size|${ms}`, num(r.size));
        (r.retained as number[]).slice(1).forEach((n, k) => { if (num(n) > 0) out.set(`retained|${ms}|${k}`, num(n)); });
      } else {
        const k = num(r.k);
        out.set(k < 0 ? `size|${num(r.cohort)}` : `retained|${num(r.cohort)}|${k}`, num(r.actors));
      }
    }
    return out;
  },
};

const pql: BaselineBench = {
  name: 'pql',
  async truenorth(ctx, config) {
    const report = await runRead(READS.pql, ctx, config);
    const out: Answer = new Map([['pqls', report.pqls.length], ['upgrade_rate', report.upgrade_rate]]);
    for (const w of report.weeks) {
      const ms = weekMs(w.week);
      out.set(`${ms}|ideal_signups`, w.ideal_signups);
      out.set(`${ms}|pqls`, w.pqls);
      out.set(`${ms}|ideal_upgrades`, w.ideal_upgrades);
    }
    return out;
  },
  async baseline(engine, sql, ctx) {
    const range = resolveRange({}, ctx.model, ctx.asOf, 'week');
    const rows = await engine.all<Record<string, unknown>>(sql.pql(range));
    const out: Answer = new Map();
    let pqls = 0;
    let upgraded = 0;
    for (const r of rows) {
      const ms = num(r.week);
      out.set(`${ms}|ideal_signups`, num(r.ideal_signups));
      out.set(`${ms}|pqls`, num(r.pqls));
      out.set(`${ms}|ideal_upgrades`, num(r.ideal_upgrades));
      pqls += num(r.pqls);
      upgraded += num(r.pqls_upgraded);
    }
    out.set('pqls', pqls);
    out.set('upgrade_rate', pqls ? upgraded / pqls : null);
    return out;
  },
};

const revenue: BaselineBench = {
  name: 'revenue',
  async truenorth(ctx, config) {
    const report = await runRead(READS.revenue, ctx, config);
    const out: Answer = new Map();
    for (const p of report.periods) {
      for (const field of ['mrr_start', 'new', 'reactivation', 'expansion', 'contraction', 'churn', 'mrr_end', 'customers_start', 'customers_end', 'gross_revenue_churn', 'nrr'] as const) {
        out.set(`${p.period}|${field}`, p[field]);
      }
    }
    return out;
  },
  async baseline(engine, sql, ctx) {
    const range = resolveRange({}, ctx.model, ctx.asOf, 'month', 12);
    const months = periodsIn(range, 'month', ctx.model.time);
    const rows = await bridge(engine, sql, months);
    const cash = (await engine.all<{ period: string }>(sql.manual('cash_balance'))).map((r) => weekMs(r.period));
    const out: Answer = new Map();
    // truenorth leaves out the months before the first ledger activity or hand entry; so does this.
    let started = false;
    for (const m of months) {
      const f = bridgeFigures(rows.get(m.from));
      started ||= f.mrr_start !== 0 || f.mrr_end !== 0 || cash.some((t) => t >= m.from && t < m.to);
      if (!started) continue;
      for (const [field, value] of Object.entries(f)) out.set(`${m.name}|${field}`, value);
    }
    return out;
  },
};

const MIN_GROUP = 20;

const leading: BaselineBench = {
  name: 'leading',
  async truenorth(ctx, config) {
    const report = await runRead(READS.leading, ctx, config);
    const out: Answer = new Map([['cohort', report.cohort.actors], ['reached', report.cohort.reached_outcome], ['tested', report.tested], ['skipped', report.skipped]]);
    for (const i of report.indicators) {
      out.set(`${i.event}|${i.at_least}|did`, i.did);
      out.set(`${i.event}|${i.at_least}|did_reached`, Math.round(i.did_rate * i.did));
      out.set(`${i.event}|${i.at_least}|did_not_reached`, Math.round(i.did_not_rate * i.did_not));
    }
    return out;
  },
  async baseline(engine, sql, ctx) {
    const rows = await engine.all<{ event: string; k: number; did: number; did_reached: number }>(sql.leading(ctx.asOf - RETAINED_WINDOW_DAYS[1] * DAY_MS));
    const cohort = rows.find((r) => r.event === '');
    const total = cohort ? num(cohort.did) : 0;
    const reached = cohort ? num(cohort.did_reached) : 0;
    const out: Answer = new Map([['cohort', total], ['reached', reached]]);
    let tested = 0;
    let skipped = 0;
    for (const r of rows) {
      if (r.event === '') continue;
      const did = num(r.did);
      if (did < MIN_GROUP || total - did < MIN_GROUP) {
        skipped++;
        continue;
      }
      tested++;
      out.set(`${r.event}|${num(r.k)}|did`, did);
      out.set(`${r.event}|${num(r.k)}|did_reached`, num(r.did_reached));
      out.set(`${r.event}|${num(r.k)}|did_not_reached`, reached - num(r.did_reached));
    }
    out.set('tested', tested);
    out.set('skipped', skipped);
    return out;
  },
};

export const BASELINE_BENCHES: Record<BaselineReport, BaselineBench> = { scorecard, funnel, retention, pql, revenue, leading };
