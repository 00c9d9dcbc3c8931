import type { Segment, StageDefinition, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { needsSignup, signupFirstCte, stageReachSql, StatementBuilder, withClause, type QueryContext } from '../context.js';

export interface StageCountsQuery {
  stages: StageDefinition[];
  range: TimeRange;
  segment: Segment;
}

/**
 * Weekly stage counts (SPEC §2): visits = distinct actors with a visit event in the week; every
 * other stage = distinct actors who reached it for the first time in that week.
 * Rows: `stage`, `period` ('YYYY-MM-DD' week start), `actors`.
 */
export function compileStageCounts(ctx: QueryContext, q: StageCountsQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const ctes: string[] = [];
  const signup = q.stages.find((s) => s.stage === 'signup');
  if (needsSignup(q.stages) && signup) ctes.push(signupFirstCte(b, signup));
  const parts: string[] = [];
  const week = (column: string) => b.d.periodStart(b.local(column), 'week', ctx.time.weekStart);
  for (const stage of q.stages) {
    const name = b.params.bind(stage.stage);
    if (stage.stage === 'visit') {
      parts.push(`SELECT ${name} AS stage, ${week('e.ts')} AS period, count(DISTINCT e.actor_id) AS actors
        FROM actor_events e WHERE ${b.selector(stage.selector)} AND ${b.range(q.range)} AND ${b.segment(q.segment)}
        GROUP BY period`);
      continue;
    }
    const cte = `reach_${stage.stage}`;
    ctes.push(`${cte} AS (${stageReachSql(b, stage, q.segment)})`);
    const instant = b.d.timestampFromMs('r.t');
    parts.push(`SELECT ${name} AS stage, ${week(instant)} AS period, count(*) AS actors
      FROM ${cte} r WHERE r.t >= ${b.params.bind(q.range.from, 'integer')} AND r.t < ${b.params.bind(q.range.to, 'integer')}
      GROUP BY period`);
  }
  const sql = `${withClause(b, ctes, q.segment)}\nSELECT stage, period, actors FROM (\n${parts.join('\nUNION ALL\n')}\n) counts ORDER BY stage, period`;
  return { sql, params: b.params.values };
}

/** Per actor, the first-reach instant of every stage (null when not reached): for PQLs and time to value. */
export function compileStageReach(ctx: QueryContext, stages: StageDefinition[], segment: Segment): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const ctes: string[] = [];
  const signup = stages.find((s) => s.stage === 'signup');
  if (needsSignup(stages) && signup) ctes.push(signupFirstCte(b, signup));
  for (const stage of stages) ctes.push(`reach_${stage.stage} AS (${stageReachSql(b, stage, segment)})`);
  const actors = stages.map((s) => `SELECT actor_id FROM reach_${s.stage}`).join(' UNION ');
  ctes.push(`reached AS (${actors})`);
  const columns = stages.map((s) => `reach_${s.stage}.t AS ${s.stage}`).join(', ');
  const joins = stages.map((s) => `LEFT JOIN reach_${s.stage} ON reach_${s.stage}.actor_id = r.actor_id`).join('\n');
  const sql = `${withClause(b, ctes, segment)}
    SELECT r.actor_id, u.account_id, ${columns}
    FROM reached r LEFT JOIN users u ON u.user_id = r.actor_id
    ${joins}
    ORDER BY r.actor_id${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}
