import type { EventSelector, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';

export interface SurveyResponsesQuery {
  events: string[];
  /** The property holding the answer or score. */
  property: string;
  range: TimeRange;
  /** When set, each response says whether its actor did this action in the `activeWithinMs` before answering. */
  active?: { selector: EventSelector; withinMs: number };
}

/**
 * One row per survey event in the range: `id`, `actor_id`, `t` (epoch ms), `answer` (the property's
 * text, null when absent), `ideal` (the ideal user profile holds; false when none is configured),
 * and `active` (0/1) when asked. Survey answers are few, so the scores are computed from these rows
 * in TypeScript: identical on both engines.
 */
export function compileSurveyResponses(ctx: QueryContext, q: SurveyResponsesQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const ctes = [
    b.idealActorsCte(),
    `responses AS (
      SELECT e.id, e.actor_id, ${b.ms('e.ts')} AS t, ${b.d.jsonText('e.properties', q.property, b.params)} AS answer
      FROM actor_events e WHERE ${b.selector({ events: q.events, where: [] })} AND ${b.range(q.range)})`,
  ];
  let activeColumn = '';
  let activeJoin = '';
  if (q.active) {
    ctes.push(`active_responses AS (
      SELECT r.id, 1 AS active FROM responses r JOIN actor_events a ON a.actor_id = r.actor_id
      WHERE ${b.selector(q.active.selector, 'a')} AND ${b.ms('a.ts')} <= r.t AND ${b.ms('a.ts')} >= r.t - ${b.params.bind(q.active.withinMs, 'integer')}
      GROUP BY r.id)`);
    activeColumn = ', coalesce(ar.active, 0) AS active';
    activeJoin = 'LEFT JOIN active_responses ar ON ar.id = r.id';
  }
  const sql = `WITH ${ctes.join(',\n')}
    SELECT r.id, r.actor_id, r.t, r.answer, coalesce(i.ideal, FALSE) AS ideal${activeColumn}
    FROM responses r LEFT JOIN ideal_actors i ON i.actor_id = r.actor_id ${activeJoin}
    ORDER BY r.t, r.id${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}
