import { lintConfig, northStarChecks, type LintFinding, type NorthStarCheck, type NorthStarEvidence } from '../config/lint.js';
import type { Config } from '../config/schema/index.js';
import { localDateOf, periodIndex, periodsIn } from '../model/time.js';
import { compileWeeklyReturning } from '../query/plans/returning.js';
import { run, type ReportContext } from '../reports/context.js';
import { seriesReport } from '../reports/north-star.js';
import { lastPeriods } from '../model/time.js';
import { fetchLedger, revenuePeriods } from '../reports/revenue.js';
import { judgeEdge, laggedCorrelations } from '../reports/tree.js';
import { storedNamesEvidence } from './config-check.js';

export const EVIDENCE_WEEKS = 26;

export interface NorthStarEvidenceReport extends NorthStarEvidence {
  weeks: number;
  /** Best lag (weeks the North Star leads by) for each correlation. */
  retention_lag: number | null;
  revenue_lag: number | null;
  notes: string[];
}

/**
 * What the data says for Amplitude's North Star checks: how the weekly North Star moves with weekly
 * retention (returning users: share of last week's active users active again) and with MRR, as the
 * best correlation of week-over-week changes with the North Star leading by 0–4 weeks.
 */
export async function northStarEvidence(ctx: ReportContext, config: Config): Promise<NorthStarEvidenceReport> {
  const range = lastPeriods(ctx.asOf, 'week', EVIDENCE_WEEKS, ctx.model.time, true);
  const weeks = periodsIn(range, 'week', ctx.model.time);
  const notes: string[] = [];
  const ns = await seriesReport(ctx, { ...ctx.model.northStar, frequency: 'week' }, range);
  const northStar = ns.series.map((p) => p.value);

  const returning = await run<{ p: number; active: number; returning: number }>(
    ctx, compileWeeklyReturning(ctx.query, ctx.model.retentionSelector, range),
  );
  const byWeek = new Map(returning.map((r) => [Number(r.p), r]));
  const retention = weeks.map((w, i) => {
    const row = byWeek.get(periodIndex(localDateOf(w.from, ctx.model.time.timezone), 'week', ctx.model.time.weekStart));
    const before = i > 0 ? byWeek.get(periodIndex(localDateOf(weeks[i - 1].from, ctx.model.time.timezone), 'week', ctx.model.time.weekStart)) : undefined;
    return row && before && before.active > 0 ? row.returning / before.active : null;
  });
  const out: NorthStarEvidenceReport = { weeks: weeks.length, retention_lag: null, revenue_lag: null, notes };
  const retained = judgeEdge(laggedCorrelations(northStar, retention), 'the North Star', 'retention');
  if (retained.best_r !== null) {
    out.retentionCorrelation = retained.best_r;
    out.retention_lag = retained.best_lag;
  } else notes.push(retained.warning ?? 'not enough weeks to correlate with retention');

  const ledger = await fetchLedger(ctx);
  if (ledger.length === 0) {
    notes.push('no subscription ledger, so no revenue to correlate with');
  } else {
    const mrr = revenuePeriods({ ledger, periods: weeks, time: ctx.model.time, asOf: ctx.asOf, grossMargin: config.gross_margin }).map((p) => p.mrr_end);
    const revenue = judgeEdge(laggedCorrelations(northStar, mrr), 'the North Star', 'MRR');
    if (revenue.best_r !== null) {
      out.revenueCorrelation = revenue.best_r;
      out.revenue_lag = revenue.best_lag;
    } else notes.push(revenue.warning ?? 'not enough weeks to correlate with MRR');
  }
  return out;
}

/** What `truenorth lint --json` prints: the config's findings and the seven checks, judged with the data when `ctx` is given. */
export interface LintReport {
  findings: LintFinding[];
  north_star_checks: NorthStarCheck[];
  evidence: NorthStarEvidenceReport | null;
}

export async function lintReport(config: Config, ctx?: ReportContext): Promise<LintReport> {
  if (!ctx) return { findings: lintConfig(config), north_star_checks: northStarChecks(config), evidence: null };
  const evidence = await northStarEvidence(ctx, config);
  // The config's names checked against the catalogue; the North Star's rows decide "measurable".
  const stored = await storedNamesEvidence(ctx, config);
  return {
    findings: [...stored.findings, ...lintConfig(config)],
    north_star_checks: northStarChecks(config, { ...evidence, northStarEvents: stored.northStarEvents }),
    evidence,
  };
}
