/**
 * The data-quality report: what ingestion and imports rejected (by reason class and source),
 * corrected (clock skew), clamped (timestamps from the future) and deduplicated, over the last
 * 7 days and all time. It reads the counters kept at write time (engine/ingest/quality.ts), so it
 * costs the same whatever the store holds. `truenorth quality`, `GET /api/v1/quality` and the
 * dashboard's data-quality panel show this object. See docs/data-quality.md.
 * With a config, `unknown_config_names` lists the event names it references that the store does
 * not hold (the event catalogue's config check).
 */
import type { QualityKind } from '../engine/ingest/quality.js';
import { qualityDay } from '../engine/ingest/quality.js';
import { compileQualityCounts } from '../query/plans/quality.js';
import { run, type ReportContext } from './context.js';
import { DAY_MS } from '../model/time.js';
import type { ConfigFinding } from '../config/name-check.js';

export const QUALITY_WINDOW_DAYS = 7;

export interface QualityTotals {
  rejected: number;
  clock_skew_corrected: number;
  future_clamped: number;
  duplicates: number;
}

export interface QualityRow {
  kind: QualityKind;
  /** The rejection's reason class (the field its error names); null for the other kinds. */
  reason: string | null;
  source: string;
  last_7_days: number;
  all_time: number;
}

export interface QualityReport {
  as_of: string;
  /** The last 7 days: these UTC days of receipt (or import), inclusive. */
  window: { from: string; to: string };
  totals: { last_7_days: QualityTotals; all_time: QualityTotals };
  /** Every counter with a count, rejections first, then by count (all time). */
  rows: QualityRow[];
  /** The config's event names that no stored event has (empty without a config). */
  unknown_config_names: ConfigFinding[];
}

const TOTAL_OF: Record<QualityKind, keyof QualityTotals> = {
  rejected: 'rejected', clock_skew: 'clock_skew_corrected', future_clamped: 'future_clamped', duplicate: 'duplicates',
};
const KIND_ORDER: QualityKind[] = ['rejected', 'future_clamped', 'clock_skew', 'duplicate'];

/** `unknownNames`: the config's event names the store does not hold (none without a config). */
export async function qualityReport(ctx: ReportContext, unknownNames?: () => Promise<ConfigFinding[]>): Promise<QualityReport> {
  const fromMs = ctx.asOf - (QUALITY_WINDOW_DAYS - 1) * DAY_MS;
  const window = { from: qualityDay(fromMs), to: qualityDay(ctx.asOf) };
  const found = await run<{ kind: QualityKind; reason: string; source: string; all_time: number | string; last_7_days: number | string }>(
    ctx, compileQualityCounts(ctx.query, fromMs, ctx.asOf),
  );
  const rows: QualityRow[] = found
    .map((r) => ({ kind: r.kind, reason: r.kind === 'rejected' ? r.reason : null, source: r.source, last_7_days: Number(r.last_7_days), all_time: Number(r.all_time) }))
    .filter((r) => r.all_time > 0 && TOTAL_OF[r.kind] !== undefined)
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || b.all_time - a.all_time
      || a.source.localeCompare(b.source) || (a.reason ?? '').localeCompare(b.reason ?? ''));
  const totals = { last_7_days: emptyTotals(), all_time: emptyTotals() };
  for (const r of rows) {
    totals.last_7_days[TOTAL_OF[r.kind]] += r.last_7_days;
    totals.all_time[TOTAL_OF[r.kind]] += r.all_time;
  }
  const unknown = unknownNames ? await unknownNames() : [];
  return { as_of: new Date(ctx.asOf).toISOString(), window, totals, rows, unknown_config_names: unknown };
}

function emptyTotals(): QualityTotals {
  return { rejected: 0, clock_skew_corrected: 0, future_clamped: 0, duplicates: 0 };
}
