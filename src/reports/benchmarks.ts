/**
 * Stage benchmarks (docs/health.md, stage benchmarks): the targets for the
 * PMF score and 30-day retention at each product stage, next to the product's measured values, with
 * a grade against the configured stage.
 */
import type { TimeRange } from '../model/metrics.js';
import { compileDayRetention } from '../query/plans/heart.js';
import { run, type ReportContext } from './context.js';
import { fetchSurveyResponses, pmfScore, type PmfScore } from './surveys.js';
import { DAY_MS } from '../model/time.js';
import { type BusinessModel, type HealthModel, type Stage } from '../model/health.js';

/** A target band: at least `min`, at most `max` (a value above `max` is ahead of the stage). */
export interface Band {
  min?: number;
  max?: number;
}

export interface StageBenchmark {
  stage: Stage;
  label: string;
  pmf: Band;
  /** B2B and B2C share a band except at the mature stage. */
  retention30: Record<BusinessModel, Band>;
  focus: string;
}

const same = (band: Band): Record<BusinessModel, Band> => ({ b2b: band, b2c: band });

/** The stage benchmark table of docs/health.md, in numbers. */
export const STAGE_BENCHMARKS: readonly StageBenchmark[] = [
  {
    stage: 'pre-launch', label: 'Pre-launch / beta',
    pmf: { min: 0.2, max: 0.3 }, retention30: same({ max: 0.1 }),
    focus: 'Validating the core problem and identifying a passionate early adopter segment.',
  },
  {
    stage: 'early', label: 'Early stage / post-launch',
    pmf: { min: 0.4 }, retention30: same({ min: 0.1, max: 0.2 }),
    focus: 'Confirming strong PMF and identifying behavioral patterns of high-retention users.',
  },
  {
    stage: 'growth', label: 'Growth stage',
    pmf: { min: 0.4 }, retention30: same({ min: 0.2, max: 0.4 }),
    focus: 'Optimizing the new user experience to improve cohort retention and reduce churn.',
  },
  {
    stage: 'mature', label: 'Mature / scale-up',
    pmf: { min: 0.5 }, retention30: { b2b: { min: 0.7 }, b2c: { min: 0.4 } },
    focus: 'Defending against competitors by deepening engagement and expanding value for existing users.',
  },
];

/** ahead: beyond the band; on_target: inside it; near: within 25 % of its floor; below: further. */
export type Grade = 'ahead' | 'on_target' | 'near' | 'below' | 'no_data';

export function grade(value: number | null, band: Band): Grade {
  if (value === null || !Number.isFinite(value)) return 'no_data';
  if (band.min !== undefined && value < band.min) return value >= band.min * 0.75 - 1e-9 ? 'near' : 'below';
  if (band.max !== undefined && value > band.max) return 'ahead';
  return 'on_target';
}

export function formatBand(band: Band): string {
  const pct = (v: number) => `${Math.round(v * 100)}%`;
  if (band.min !== undefined && band.max !== undefined) return `${pct(band.min)}–${pct(band.max)}`;
  if (band.min !== undefined) return `≥ ${pct(band.min)}`;
  if (band.max !== undefined) return `< ${pct(band.max)}`;
  return '—';
}

/** 30-day retention: of the users whose first signup falls in the cohort window, the share who did the retention action on days 30–36. */
export const RETENTION_DAY = 30;
export const RETENTION_WINDOW_DAYS = 7;
/** Signups of these many days form the cohort, ending when day 37 of the last of them has passed. */
export const RETENTION_COHORT_DAYS = 91;

export interface BenchmarksReport {
  stage: Stage | null;
  business_model: BusinessModel;
  measured: {
    pmf: { value: number | null; responses: number; warning: string | null };
    retention_30d: { value: number | null; cohort: number; retained: number; cohort_from: string; cohort_to: string };
  };
  grades: {
    pmf: { target: string; grade: Grade } | null;
    retention_30d: { target: string; grade: Grade } | null;
  };
  table: { stage: Stage; label: string; pmf_target: string; retention_30d_target: string; focus: string; current: boolean }[];
  notes: string[];
}

/** Pure: the table, the grades and notes from measured values. */
export function buildBenchmarks(
  stage: Stage | null, model: BusinessModel | null, pmf: Pick<PmfScore, 'score' | 'responses' | 'warning'>,
  retention: BenchmarksReport['measured']['retention_30d'],
): BenchmarksReport {
  const businessModel = model ?? 'b2b';
  const row = STAGE_BENCHMARKS.find((b) => b.stage === stage);
  const notes: string[] = [];
  if (!stage) notes.push('no stage is configured; set `stage:` (pre-launch, early, growth or mature) in truenorth.yaml to grade against it');
  if (!model) notes.push('no business_model is configured; the B2B SaaS targets are used');
  if (pmf.warning) notes.push(`PMF: ${pmf.warning}`);
  if (retention.cohort > 0 && retention.cohort < 30) notes.push(`30-day retention: only ${retention.cohort} users in the cohort`);
  return {
    stage,
    business_model: businessModel,
    measured: { pmf: { value: pmf.score, responses: pmf.responses, warning: pmf.warning }, retention_30d: retention },
    grades: {
      pmf: row ? { target: formatBand(row.pmf), grade: grade(pmf.score, row.pmf) } : null,
      retention_30d: row ? { target: formatBand(row.retention30[businessModel]), grade: grade(retention.value, row.retention30[businessModel]) } : null,
    },
    table: STAGE_BENCHMARKS.map((b) => ({
      stage: b.stage,
      label: b.label,
      pmf_target: formatBand(b.pmf),
      retention_30d_target: b.stage === 'mature' ? `${formatBand(b.retention30.b2c)} (B2C social) / ${formatBand(b.retention30.b2b)} (B2B SaaS)` : formatBand(b.retention30[businessModel]),
      focus: b.focus,
      current: b.stage === stage,
    })),
    notes,
  };
}

/** PMF over `range` (the surveys' rules, active_only included) and 30-day retention of recent signups. */
export async function benchmarksReport(ctx: ReportContext, health: HealthModel, range: TimeRange): Promise<BenchmarksReport> {
  const definition = health.surveys.pmf;
  const pmf = definition
    ? pmfScore(await fetchSurveyResponses(ctx, definition, range), definition.activeOnly)
    : { score: null, responses: 0, warning: 'surveys.pmf is not configured' };
  const to = ctx.asOf - (RETENTION_DAY + RETENTION_WINDOW_DAYS) * DAY_MS;
  const cohortRange = { from: to - RETENTION_COHORT_DAYS * DAY_MS, to };
  const signup = ctx.model.journey.find((s) => s.stage === 'signup');
  const [row] = await run<{ cohort: number; retained: number }>(ctx, compileDayRetention(ctx.query, {
    cohortSelector: signup ? signup.selector : ctx.model.retentionSelector,
    activitySelector: ctx.model.retentionSelector,
    range: cohortRange,
    day: RETENTION_DAY,
    windowDays: RETENTION_WINDOW_DAYS,
  }));
  const cohort = Number(row?.cohort ?? 0);
  const retained = Number(row?.retained ?? 0);
  return buildBenchmarks(health.stage, health.businessModel, pmf, {
    value: cohort > 0 ? retained / cohort : null,
    cohort,
    retained,
    cohort_from: new Date(cohortRange.from).toISOString().slice(0, 10),
    cohort_to: new Date(cohortRange.to).toISOString().slice(0, 10),
  });
}
