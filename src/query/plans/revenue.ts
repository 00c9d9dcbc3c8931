import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';

/**
 * Rows: `account_id`, `subscription_id`, `t` (effective_at, epoch ms), `mrr` (major units),
 * `currency`: every ledger row effective before `to` (all of them without `to`), in time order.
 * The ledger is small (one row per subscription change), so the MRR bridge is computed from these
 * rows in TypeScript and both engines give identical answers.
 */
export function compileLedger(ctx: QueryContext, q: { to?: number } = {}): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const where = q.to === undefined ? 'TRUE' : `s.effective_at < ${b.params.instant(q.to)}`;
  const sql = `SELECT s.account_id, s.subscription_id, ${b.ms('s.effective_at')} AS t, s.mrr, s.currency
    FROM subscriptions s WHERE ${where}
    ORDER BY t, s.account_id, s.subscription_id`;
  return { sql, params: b.params.values };
}

/**
 * Rows: `metric`, `period`, `value` (null = cleared), `entered_by`, `entered_ms`, `note`: the full
 * hand-entry history of the given metrics (all metrics when omitted), oldest entry first within
 * each (metric, period). The current value of a (metric, period) is its last row.
 */
export function compileManualEntries(ctx: QueryContext, q: { metrics?: readonly string[]; period?: string } = {}): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const conditions: string[] = [];
  if (q.metrics) {
    conditions.push(q.metrics.length ? `m.metric IN (${q.metrics.map((name) => b.params.bind(name)).join(', ')})` : 'FALSE');
  }
  if (q.period !== undefined) conditions.push(`m.period = ${b.params.bind(q.period)}`);
  const sql = `SELECT m.metric, m.period, m.value, m.entered_by, ${b.ms('m.entered_at')} AS entered_ms, m.note
    FROM manual_values m WHERE ${conditions.length ? conditions.join(' AND ') : 'TRUE'}
    ORDER BY m.metric, m.period, m.entered_at`;
  return { sql, params: b.params.values };
}
