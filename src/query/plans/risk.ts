import type { EventSelector } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';
import { DAY_MS } from '../../model/time.js';

/**
 * Rows: `t` (one of the instants, epoch ms), `mrr`, and `account_id` when `perAccount`: MRR just
 * before each instant. An account's MRR at t is the sum over its subscriptions of the `mrr` of the
 * latest ledger row with effective_at < t (docs/concepts.md; periods are half-open, so a change effective at
 * the instant itself belongs to the next period). Accounts at 0 are left out.
 */
export function compileMrrAt(ctx: QueryContext, instants: readonly number[], perAccount = false): CompiledQuery {
  const b = new StatementBuilder(ctx);
  if (instants.length === 0) throw new Error('compileMrrAt needs at least one instant');
  const points = instants.map((t) => `SELECT ${b.params.bind(t, 'integer')} AS t`).join(' UNION ALL ');
  const keys = perAccount ? 't, account_id' : 't';
  const sql = `WITH points AS (${points}),
    latest AS (
      SELECT p.t, s.account_id, s.mrr AS sub_mrr,
        row_number() OVER (PARTITION BY p.t, s.account_id, s.subscription_id ORDER BY s.effective_at DESC) AS rn
      FROM points p CROSS JOIN subscriptions s
      WHERE ${b.ms('s.effective_at')} < p.t)
    SELECT ${keys}, sum(sub_mrr) AS mrr FROM latest WHERE rn = 1 GROUP BY ${keys} HAVING sum(sub_mrr) > 0 ORDER BY ${keys}`;
  return { sql, params: b.params.values };
}

export interface AccountSignalsQuery {
  /** "Now": MRR is taken at this instant (rows effective at or before it); every window ends here (exclusive). */
  asOf: number;
  /** Account trait holding the number of paid seats. */
  seatsTrait: string;
  /** A user is active when they did any event in the last `activeDays` days. */
  activeDays: number;
  /** Key feature: its events in the last `keyDays` days vs the `keyBaselineDays` before. */
  keyFeature: EventSelector;
  keyDays: number;
  keyBaselineDays: number;
  /** Support tickets in the last `ticketDays` days vs the `trailingWeeks` weeks before. */
  ticketEvents: string[];
  ticketDays: number;
  trailingWeeks: number;
  /** The North Star action; its last occurrence within `lookbackDays`. */
  northStar: EventSelector;
  lookbackDays: number;
}

/**
 * Every paying account (MRR > 0 at as-of) with its recent signals, in one pass over the recent
 * events of those accounts. Rows: `account_id`, `mrr`, `seats` (number or null), `active_users`,
 * `key_recent`, `key_before`, `tickets_recent`, `tickets_trailing` (null when the account had no
 * events at all), `last_north_star` (epoch ms, null when none in the lookback window).
 */
export function compileAccountSignals(ctx: QueryContext, q: AccountSignalsQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const ms = b.ms('e.ts');
  const asOf = b.params.bind(q.asOf, 'integer');
  const since = (days: number) => b.params.bind(q.asOf - Math.round(days * DAY_MS), 'integer');
  const lookback = Math.max(q.lookbackDays, q.activeDays, q.keyDays + q.keyBaselineDays, q.ticketDays + 7 * q.trailingWeeks);
  const activeFrom = since(q.activeDays);
  const keyRecent = since(q.keyDays);
  const keyBefore = since(q.keyDays + q.keyBaselineDays);
  const ticketRecent = since(q.ticketDays);
  const ticketTrailing = since(q.ticketDays + 7 * q.trailingWeeks);
  const key = b.selector(q.keyFeature);
  const northStar = b.selector(q.northStar);
  const ticket = b.eventIn(q.ticketEvents);
  const seats = b.d.toNumber(b.d.jsonText('a.traits', q.seatsTrait, b.params));
  const sql = `WITH latest AS (
      SELECT s.account_id, s.mrr AS sub_mrr,
        row_number() OVER (PARTITION BY s.account_id, s.subscription_id ORDER BY s.effective_at DESC) AS rn
      FROM subscriptions s WHERE ${b.ms('s.effective_at')} <= ${asOf}),
    paying AS (SELECT account_id, sum(sub_mrr) AS mrr FROM latest WHERE rn = 1 GROUP BY account_id HAVING sum(sub_mrr) > 0),
    recent AS (
      SELECT e.account_id, e.actor_id, e.event, ${ms} AS t, e.properties
      FROM actor_events e
      WHERE e.account_id IN (SELECT account_id FROM paying) AND ${ms} >= ${since(lookback)} AND ${ms} < ${asOf}),
    signals AS (
      SELECT e.account_id,
        count(DISTINCT CASE WHEN e.t >= ${activeFrom} THEN e.actor_id END) AS active_users,
        sum(CASE WHEN ${key} AND e.t >= ${keyRecent} THEN 1 ELSE 0 END) AS key_recent,
        sum(CASE WHEN ${key} AND e.t >= ${keyBefore} AND e.t < ${keyRecent} THEN 1 ELSE 0 END) AS key_before,
        sum(CASE WHEN ${ticket} AND e.t >= ${ticketRecent} THEN 1 ELSE 0 END) AS tickets_recent,
        sum(CASE WHEN ${ticket} AND e.t >= ${ticketTrailing} AND e.t < ${ticketRecent} THEN 1 ELSE 0 END) AS tickets_trailing,
        max(CASE WHEN ${northStar} THEN e.t END) AS last_north_star
      FROM recent e GROUP BY e.account_id)
    SELECT p.account_id, p.mrr, ${seats} AS seats, s.active_users, s.key_recent, s.key_before,
      s.tickets_recent, s.tickets_trailing, s.last_north_star
    FROM paying p
    LEFT JOIN accounts a ON a.account_id = p.account_id
    LEFT JOIN signals s ON s.account_id = p.account_id
    ORDER BY p.mrr DESC, p.account_id${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}
