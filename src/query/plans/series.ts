import type { Breakdown, Segment, SeriesMetric, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, withClause, type QueryContext } from '../context.js';
import { rowSpan, type RowSpan } from './coverage.js';

export interface SeriesQuery {
  metric: SeriesMetric;
  range: TimeRange;
  segment: Segment;
  breakdown?: Breakdown;
  /** Count only events inside these windows (each week's part elapsed so far, for pace). */
  within?: TimeRange[];
  /** Only these stored rows (a series of the events alone, `additiveSeries`). */
  rows?: RowSpan;
}

/** Whether a period's value is a sum over its events (a plain count or sum of events), so spans of rows add up. */
export function additiveSeries(q: Pick<SeriesQuery, 'metric' | 'segment' | 'breakdown'>): boolean {
  const { metric } = q;
  return (metric.measure.kind === 'count' || metric.measure.kind === 'sum') && !metric.per && !q.breakdown && !seriesReads(q).actor;
}

/**
 * Whether a series reads the actor (and the account, which the view looks up through the actor): only
 * when the metric needs them. A plain count or sum of events reads the events alone, so its value
 * for a period changes only with the events stored in that period.
 */
export function seriesReads(q: Pick<SeriesQuery, 'metric' | 'segment' | 'breakdown'>): { account: boolean; actor: boolean } {
  const { metric } = q;
  const account = metric.measure.kind === 'unique_accounts' || metric.per === 'account' || q.breakdown?.kind === 'account_trait';
  const actor = account || metric.measure.kind === 'unique_users' || metric.per === 'user' || (metric.atLeast ?? 0) > 1
    || q.segment !== 'all' || q.breakdown?.kind === 'user_trait';
  return { account, actor };
}

/** Rows: `period` ('YYYY-MM-DD' start), `value` (number or null), and `breakdown` when asked. */
export function compileSeries(ctx: QueryContext, q: SeriesQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const { metric } = q;
  // Grouped by the period's start as a date/timestamp, formatted once per group.
  const period = b.d.periodTrunc(b.local('e.ts'), metric.frequency, ctx.time.weekStart);
  const measure = metric.measure;
  const value = measure.kind === 'sum' ? b.d.toNumber(b.d.jsonText('e.properties', measure.property, b.params)) : 'NULL';
  const breakdown = q.breakdown ? breakdownSql(b, q.breakdown) : null;
  const joins = q.breakdown?.kind === 'user_trait' ? 'LEFT JOIN users bu ON bu.user_id = e.actor_id'
    : q.breakdown?.kind === 'account_trait' ? 'LEFT JOIN accounts ba ON ba.account_id = e.account_id' : '';
  const { account, actor } = seriesReads(q);
  if (q.rows && !additiveSeries(q)) throw new Error('a span of stored rows is for a series of the events alone');
  const relation = account ? 'actor_events' : actor ? b.actorEvents() : 'events';
  const who = `${actor ? 'e.actor_id' : 'NULL AS actor_id'}, ${account ? 'e.account_id' : 'NULL AS account_id'}`;
  const base = `base AS (
    SELECT ${who}, ${value} AS v, ${period} AS p${breakdown ? `, coalesce(${breakdown}, '(none)') AS breakdown` : ''}
    FROM ${relation} e ${joins}
    WHERE ${b.selector(metric.selector)} AND ${b.range(q.range)}${b.andWithin(q.within)} AND ${b.segment(q.segment)}${rowSpan(b, q.rows)})`;
  const groups = breakdown ? 'p, breakdown' : 'p';
  const keys = breakdown ? 'period, breakdown' : 'period';
  const columns = `${b.d.formatDay('p')} AS period${breakdown ? ', breakdown' : ''}`;

  let select: string;
  if (metric.atLeast && metric.atLeast > 1) {
    const n = b.params.bind(metric.atLeast, 'integer');
    select = `SELECT ${columns}, count(*) AS value FROM (
        SELECT ${groups}, actor_id FROM base GROUP BY ${groups}, actor_id HAVING count(*) >= ${n}
      ) heavy GROUP BY ${groups}`;
  } else {
    const total = {
      count: 'count(*)',
      sum: 'coalesce(sum(v), 0)',
      unique_users: 'count(DISTINCT actor_id)',
      unique_accounts: 'count(DISTINCT account_id)',
    }[measure.kind];
    const agg = metric.per
      ? `CAST(${total} AS DOUBLE) / nullif(count(DISTINCT ${metric.per === 'account' ? 'account_id' : 'actor_id'}), 0)`
      : `CAST(${total} AS DOUBLE)`;
    select = `SELECT ${columns}, ${agg} AS value FROM base GROUP BY ${groups}`;
  }
  return { sql: `${withClause(b, [base], q.segment)}\n${select}\nORDER BY ${keys}`, params: b.params.values };
}

function breakdownSql(b: StatementBuilder, breakdown: Breakdown): string {
  switch (breakdown.kind) {
    case 'property':
      return b.d.jsonText('e.properties', breakdown.key, b.params);
    case 'user_trait':
      return b.d.jsonText('bu.traits', breakdown.key, b.params);
    case 'account_trait':
      return b.d.jsonText('ba.traits', breakdown.key, b.params);
  }
}
