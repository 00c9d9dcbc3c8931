import type { RetentionDefinition, Segment, TimeRange } from '../model/metrics.js';
import { localDateOf, parseDate, periodIndex, periodName, periodsIn } from '../model/time.js';
import { cohortStage, compileRetention, type RetentionQuery } from '../query/plans/retention.js';
import { liveReach } from './live-state.js';
import { run, type ReportContext } from './context.js';

export interface RetentionCohort {
  cohort: string;
  size: number;
  /** retained[k]: actors retained in period k (only periods that have started). */
  retained: number[];
  /** rates[k] = retained[k] / size. */
  rates: (number | null)[];
  /** complete[k]: period k has fully passed. */
  complete: boolean[];
}

/**
 * What period 0 shows. `cohort`: the cohort itself, 100 % (everyone in it did the start event then),
 * as retention charts usually read. `action`: the share who also did the retention action in period 0.
 * Later periods are the same under both.
 */
export type PeriodZero = 'cohort' | 'action';

export interface RetentionReport {
  period: 'week' | 'month';
  mode: 'on' | 'on_or_after';
  period_zero: PeriodZero;
  segment: Segment;
  cohorts: RetentionCohort[];
  /** Size-weighted average retention per k, over cohorts whose period k is complete. */
  average: (number | null)[];
}

export function buildRetention(
  definition: RetentionDefinition, segment: Segment, rows: { cohort: string; cohort_index: number; offset: number; actors: number }[], currentIndex: number,
  weekStart: 'monday' | 'sunday', periodZero: PeriodZero = 'cohort',
): RetentionReport {
  const byCohort = new Map<string, { index: number; size: number; counts: Map<number, number> }>();
  for (const r of rows) {
    const c = byCohort.get(r.cohort) ?? { index: r.cohort_index, size: 0, counts: new Map() };
    if (r.offset === -1) c.size = r.actors;
    else c.counts.set(r.offset, r.actors);
    byCohort.set(r.cohort, c);
  }
  const cohorts: RetentionCohort[] = [...byCohort.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([start, c]) => {
    // "On or after" only reports periods that have fully passed (its denominator excludes the rest).
    const periods = Math.max(0, currentIndex - c.index + (definition.mode === 'on' ? 1 : 0));
    const retained = Array.from({ length: periods }, (_, k) => {
      if (k === 0 && periodZero === 'cohort') return c.size;
      if (definition.mode === 'on') return c.counts.get(k) ?? 0;
      let n = 0; // on or after: last active period ≥ k
      for (const [last, actors] of c.counts) if (last >= k) n += actors;
      return n;
    });
    return {
      cohort: periodName(parseDate(start), definition.period, weekStart),
      size: c.size,
      retained,
      rates: retained.map((n) => (c.size > 0 ? n / c.size : null)),
      complete: retained.map((_, k) => c.index + k < currentIndex),
    };
  });
  const longest = Math.max(0, ...cohorts.map((c) => c.retained.length));
  const average = Array.from({ length: longest }, (_, k) => {
    let num = 0;
    let den = 0;
    for (const c of cohorts) if (c.complete[k]) { num += c.retained[k]; den += c.size; }
    return den > 0 ? num / den : null;
  });
  return { period: definition.period, mode: definition.mode, period_zero: periodZero, segment, cohorts, average };
}

type RetentionRow = { cohort: string; cohort_index: number; offset: number; actors: number };

export async function retentionReport(
  ctx: ReportContext, definition: RetentionDefinition, range: TimeRange, segment: Segment, periodZero: PeriodZero = 'cohort',
): Promise<RetentionReport> {
  const live = segment === 'all' ? await liveReach(ctx, [cohortStage(definition)]) : undefined;
  const rows = await retentionRows(ctx, { definition, range, segment, live });
  const current = periodIndex(localDateOf(ctx.asOf, ctx.model.time.timezone), definition.period, ctx.model.time.weekStart);
  return buildRetention(definition, segment, rows, current, ctx.model.time.weekStart, periodZero);
}

/**
 * The triangle's rows. On a server ("on" mode), kept per activity period (period-cache.ts): a cell
 * (cohort c, period p) and the size of cohort p depend only on the events before p ends, so a write
 * in the current period leaves the closed periods kept, a late event drops the periods from its own
 * on, and a link or trait change drops them all. The periods run from the first cohort's to the
 * later of the range's end and the end of the period as of now (the report counts activity up to
 * that period; later rows it would not show).
 */
async function retentionRows(ctx: ReportContext, q: RetentionQuery): Promise<RetentionRow[]> {
  const { definition, range } = q;
  const asOfPeriod = periodsIn({ from: ctx.asOf, to: ctx.asOf + 1 }, definition.period, ctx.model.time)[0];
  const periods = periodsIn({ from: range.from, to: Math.max(range.to, asOfPeriod.to) }, definition.period, ctx.model.time);
  const whole = periods.length > 0 && periods[0].from === range.from;
  if (!ctx.cache || !whole || definition.mode !== 'on') return run<RetentionRow>(ctx, compileRetention(ctx.query, q));
  return ctx.cache.periods.run<RetentionRow & { period: string }>(ctx.engine, {
    key: JSON.stringify({ retention: definition, range, segment: q.segment, time: ctx.model.time }),
    periods,
    events: [...definition.cohortSelector.events, ...definition.activitySelector.events],
    compile: (activity) => compileRetention(ctx.query, { ...q, activity }),
    people: true,
  });
}
