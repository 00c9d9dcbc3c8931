import type { EventSelector, Predicate, Segment, StageDefinition, TimeRange, TimeSettings } from '../model/metrics.js';
import { Params, type SqlDialect } from './dialect.js';
import { predicateSql } from './filters.js';
import { DAY_MS } from '../model/time.js';

/** What every compiled query needs to know besides the metric itself. */
export interface QueryContext {
  dialect: SqlDialect;
  time: TimeSettings;
  /** The ideal user profile over user and account traits; null when not configured. */
  idealUser: Predicate | null;
}

/** Builds one statement: its parameters and the shared fragments. */
export class StatementBuilder {
  readonly params: Params;
  readonly d: SqlDialect;
  private tzPlaceholder: string | undefined;

  constructor(readonly ctx: QueryContext) {
    this.d = ctx.dialect;
    this.params = new Params(ctx.dialect);
  }

  /** The timezone parameter, bound on first use (an unused parameter is an error in DuckDB). */
  get tz(): string {
    this.tzPlaceholder ??= this.params.bind(this.ctx.time.timezone);
    return this.tzPlaceholder;
  }

  /** `event IN (…) AND <where>` over an alias of the actor_events relation: the filter applies to every name. */
  selector(selector: EventSelector, alias = 'e'): string {
    const where = this.where(selector, alias);
    return `${this.eventIn(selector.events, `${alias}.event`)}${where === 'TRUE' ? '' : ` AND ${where}`}`;
  }

  /** The selector's `where:` filter over an alias of the actor_events relation ('TRUE' when it has none). */
  where(selector: EventSelector, alias = 'e'): string {
    const props = (key: string) => this.d.jsonText(`${alias}.properties`, key, this.params);
    return predicateSql(selector.where, props, this.params, this.d);
  }

  /** `column` is one of the names, bound as parameters: `= $p` for one name, `IN ($p, …)` for several. */
  eventIn(names: readonly string[], column = 'e.event'): string {
    if (names.length === 0) throw new Error('an event selector needs at least one name');
    const bound = names.map((name) => this.params.bind(name));
    return bound.length === 1 ? `${column} = ${bound[0]}` : `${column} IN (${bound.join(', ')})`;
  }

  range(range: TimeRange | undefined, column = 'e.ts'): string {
    if (!range) return 'TRUE';
    return `${column} >= ${this.params.instant(range.from)} AND ${column} < ${this.params.instant(range.to)}`;
  }

  /**
   * ` AND` the instant falls in one of these windows (the parts of weeks elapsed so far, for pace); nothing
   * without any, so the statement stays as it was. `epochMs`: the column holds epoch milliseconds, not a timestamp.
   */
  andWithin(windows: readonly TimeRange[] | undefined, column = 'e.ts', epochMs = false): string {
    if (!windows?.length) return '';
    const at = (ms: number) => (epochMs ? this.params.bind(ms, 'integer') : this.params.instant(ms));
    return ` AND (${windows.map((w) => `(${column} >= ${at(w.from)} AND ${column} < ${at(w.to)})`).join(' OR ')})`;
  }

  /** Local wall-clock time of a UTC timestamp; in UTC that is the timestamp itself (no per-row zone conversion). */
  local(column: string): string {
    if (this.ctx.time.timezone === 'UTC' || this.ctx.time.timezone === 'Etc/UTC') return column;
    return this.d.localTime(column, this.tz);
  }

  /** Restricts `actorColumn` to the segment; needs the `ideal_actors` CTE when not 'all'. */
  segment(segment: Segment, actorColumn = 'e.actor_id'): string {
    if (segment === 'all') return 'TRUE';
    const ideal = `${actorColumn} IN (SELECT actor_id FROM ideal_actors WHERE ideal)`;
    return segment === 'ideal' ? ideal : `NOT (${ideal})`;
  }

  /**
   * CTE: every known person (or those among the actors of a relation: DuckDB only) and whether the
   * ideal user profile holds (user trait, else account trait).
   */
  idealActorsCte(among?: string): string {
    const ideal = (people: string) => `ideal_actors AS (
      SELECT u.user_id AS actor_id, ${this.idealCondition('u.traits', 'a.traits')} AS ideal
      FROM ${people} u LEFT JOIN accounts a ON a.account_id = u.account_id)`;
    if (!among) return ideal('users');
    // The actors collected into one list first: DuckDB sizes a join from table statistics, and builds
    // this one on the list, not on every user. Materialized: else the profile's condition is pushed
    // below the restriction and judged for everyone.
    return `ideal_people AS MATERIALIZED (SELECT u.user_id, u.traits, u.account_id
      FROM (SELECT unnest(list(DISTINCT actor_id)) AS actor_id FROM ${among}) c JOIN users u ON u.user_id = c.actor_id),
    ${ideal('ideal_people')}`;
  }

  /** Whether the ideal user profile holds on these traits (a user trait, else the account's); FALSE when none is configured. */
  idealCondition(userTraits: string, accountTraits: string): string {
    const predicate = this.ctx.idealUser;
    const trait = (key: string) => `coalesce(${this.d.jsonText(userTraits, key, this.params)}, ${this.d.jsonText(accountTraits, key, this.params)})`;
    return predicate && predicate.length > 0 ? `coalesce(${predicateSql(predicate, trait, this.params, this.d)}, FALSE)` : 'FALSE';
  }

  /**
   * CTE `ideal_since`: per user, when the ideal user profile started to hold without a break up to
   * the latest profile (epoch ms, column `t`), from `user_trait_history`.
   */
  idealSinceCte(): string {
    return `ideal_history AS (
      SELECT h.user_id AS actor_id, ${this.ms('h.valid_from')} AS t, ${this.idealCondition('h.traits', 'h.account_traits')} AS ideal
      FROM user_trait_history h),
    ideal_since AS (
      SELECT x.actor_id, min(x.t) AS t FROM ideal_history x
      LEFT JOIN (SELECT actor_id, max(t) AS t FROM ideal_history WHERE NOT ideal GROUP BY actor_id) n ON n.actor_id = x.actor_id
      WHERE x.ideal AND (n.t IS NULL OR x.t > n.t) GROUP BY x.actor_id)`;
  }

  ms(column: string): string {
    return this.d.epochMs(column);
  }

  /** The events with their actor: the `actor_events` view when `account_id` is read, else the same without the users join. */
  actorEvents(account = false): string {
    return account ? 'actor_events' : this.d.actorEventsWithoutAccount();
  }
}

/**
 * CTE body: for each actor, the instant (epoch ms, column `t`) the stage was first reached.
 * A threshold stage (KUI) is reached at its n-th qualifying event, counted from the actor's first
 * signup and within `withinDays` of it when set. Needs a `signup_first` CTE for thresholds with a window.
 */
export function stageReachSql(b: StatementBuilder, stage: StageDefinition, segment: Segment): string {
  const seg = b.segment(segment);
  if (!stage.atLeast || stage.atLeast <= 1) {
    if (!stage.withinDays) {
      return `SELECT e.actor_id, min(${b.ms('e.ts')}) AS t FROM ${b.actorEvents()} e WHERE ${b.selector(stage.selector)} AND ${seg} GROUP BY e.actor_id`;
    }
  }
  const n = b.params.bind(stage.atLeast ?? 1, 'integer');
  if (stage.withinDays) {
    const within = b.params.bind(Math.round(stage.withinDays * DAY_MS), 'integer');
    return `SELECT actor_id, t FROM (
        SELECT e.actor_id, ${b.ms('e.ts')} AS t, row_number() OVER (PARTITION BY e.actor_id ORDER BY e.ts, e.id) AS n
        FROM ${b.actorEvents()} e JOIN signup_first s ON s.actor_id = e.actor_id
        WHERE ${b.selector(stage.selector)} AND ${seg} AND ${b.ms('e.ts')} >= s.t AND ${b.ms('e.ts')} <= s.t + ${within}
      ) ranked WHERE n = ${n}`;
  }
  return `SELECT actor_id, t FROM (
      SELECT e.actor_id, ${b.ms('e.ts')} AS t, row_number() OVER (PARTITION BY e.actor_id ORDER BY e.ts, e.id) AS n
      FROM ${b.actorEvents()} e WHERE ${b.selector(stage.selector)} AND ${seg}
    ) ranked WHERE n = ${n}`;
}

/**
 * CTE body: one row per actor with at least one stage reached, and the first-reach instant (epoch ms)
 * of every stage in a column named after it (NULL when not reached), from ONE pass over the events
 * (grouped by actor) instead of one per stage. The values equal `stageReachSql`'s for each stage:
 * a threshold stage is reached at the n-th qualifying event (the n-th smallest instant: events at the
 * same instant tie), counted within `withinDays` of the actor's first `signup` event when set.
 */
export function stagesReachSql(b: StatementBuilder, stages: readonly StageDefinition[], segment: Segment, signup?: StageDefinition): string {
  const ms = b.ms('e.ts');
  const windowed = stages.some((s) => s.withinDays !== undefined);
  if (windowed && !signup) throw new Error('a stage counted from signup needs the signup stage');
  const selectors: string[] = [];
  const aggregates: string[] = [];
  const outer: string[] = [];
  const signupColumn = '"s$signup_first"';
  if (windowed) {
    const sel = b.selector(signup!.selector);
    selectors.push(sel);
    aggregates.push(`min(CASE WHEN ${sel} THEN ${ms} END) AS ${signupColumn}`);
  }
  for (const stage of stages) {
    const sel = b.selector(stage.selector);
    selectors.push(sel);
    const column = `"s$${stage.stage}"`;
    if ((!stage.atLeast || stage.atLeast <= 1) && !stage.withinDays) {
      aggregates.push(`min(CASE WHEN ${sel} THEN ${ms} END) AS ${column}`);
      outer.push(`${column} AS ${stage.stage}`);
      continue;
    }
    aggregates.push(`${b.d.orderedList(ms, sel)} AS ${column}`);
    const n = b.params.bind(stage.atLeast ?? 1, 'integer');
    const range = stage.withinDays
      ? { lo: signupColumn, hi: `${signupColumn} + ${b.params.bind(Math.round(stage.withinDays * DAY_MS), 'integer')}` }
      : undefined;
    outer.push(`${b.d.nthInRange(column, n, range)} AS ${stage.stage}`);
  }
  const reached = stages.map((s) => `${s.stage} IS NOT NULL`).join(' OR ');
  return `SELECT * FROM (
      SELECT actor_id, ${outer.join(', ')} FROM (
        SELECT e.actor_id, ${aggregates.join(', ')}
        FROM ${b.actorEvents()} e WHERE (${selectors.map((x) => `(${x})`).join(' OR ')}) AND ${b.segment(segment)}
        GROUP BY e.actor_id
      ) per_actor
    ) reach WHERE ${reached || 'FALSE'}`;
}

export function needsSignup(stages: readonly StageDefinition[]): boolean {
  return stages.some((s) => s.withinDays !== undefined);
}

export function signupFirstCte(b: StatementBuilder, signup: StageDefinition): string {
  return `signup_first AS (SELECT e.actor_id, min(${b.ms('e.ts')}) AS t FROM ${b.actorEvents()} e WHERE ${b.selector(signup.selector)} GROUP BY e.actor_id)`;
}

/** WITH clause from named CTE bodies, adding ideal_actors first when a segment or breakdown needs it. */
export function withClause(b: StatementBuilder, ctes: string[], segment: Segment, ideal = segment !== 'all'): string {
  const all = ideal ? [b.idealActorsCte(), ...ctes] : ctes;
  return all.length ? `WITH ${all.join(',\n')}` : '';
}
