import type { Breakdown, Segment, StageDefinition, TimeRange } from '../../model/metrics.js';
import { InputError } from '../../errors.js';
import type { CompiledQuery } from '../dialect.js';
import { needsSignup, signupFirstCte, stageReachSql, stagesReachSql, StatementBuilder, withClause, type QueryContext } from '../context.js';
import { DAY_MS } from '../../model/time.js';

export interface FunnelQuery {
  steps: StageDefinition[];
  /** Actors enter with a step-1 event in this range; later steps may fall up to the window after it. */
  range: TimeRange;
  windowDays: number;
  segment: Segment;
  /** Split by a user or account trait, or by the ideal user profile (`ideal`). */
  breakdown?: Breakdown | 'ideal';
  /** The signup stage that a threshold step's `within` counts from, when it is not one of the steps. */
  signup?: StageDefinition;
}

/**
 * The events a chain plan reads (a relation with `actor_id`, `event`, `ts`, `properties`) and the
 * prefix of its CTEs' names, so one statement can hold the plan twice over different events.
 */
export interface FunnelSource {
  events: string;
  prefix: string;
}

/** The step CTEs `s1`…`sk` (actor_id, t in ms): step 1's events in the range and segment, later steps' up to the window after it. */
function stepCtes(b: StatementBuilder, q: FunnelQuery): { ctes: string[]; windowMs: string } {
  const ctes: string[] = [];
  const signup = q.steps.find((s) => s.stage === 'signup') ?? q.signup;
  if (needsSignup(q.steps)) {
    if (!signup) throw new InputError('a step counted within days of signup needs the journey.signup stage');
    ctes.push(signupFirstCte(b, signup));
  }
  const windowMs = b.params.bind(Math.round(q.windowDays * DAY_MS), 'integer');
  const fromMs = b.params.bind(q.range.from, 'integer');
  const toMs = b.params.bind(q.range.to, 'integer');
  q.steps.forEach((step, i) => {
    const name = `s${i + 1}`;
    if (i === 0) {
      const body = isThreshold(step)
        ? `SELECT actor_id, t FROM (${stageReachSql(b, step, q.segment)}) r WHERE t >= ${fromMs} AND t < ${toMs}`
        : `SELECT e.actor_id, ${b.ms('e.ts')} AS t FROM ${b.actorEvents()} e
           WHERE ${b.selector(step.selector)} AND ${b.range(q.range)} AND ${b.segment(q.segment)}`;
      ctes.push(`${name} AS (${body})`);
      return;
    }
    const body = isThreshold(step)
      ? `SELECT actor_id, t FROM (${stageReachSql(b, step, 'all')}) r WHERE t >= ${fromMs} AND t < ${toMs} + ${windowMs}`
      : `SELECT e.actor_id, ${b.ms('e.ts')} AS t FROM ${b.actorEvents()} e
         WHERE ${b.selector(step.selector)} AND ${b.ms('e.ts')} >= ${fromMs} AND ${b.ms('e.ts')} <= ${toMs} + ${windowMs}`;
    ctes.push(`${name} AS (${body})`);
  });
  return { ctes, windowMs };
}

/** CTEs `c2`…`ck`: each extends the previous chain with the earliest step-j event at or after its last instant. */
function greedyChainCtes(steps: number): string[] {
  const ctes: string[] = [];
  for (let k = 2; k <= steps; k++) {
    const prev = Array.from({ length: k - 1 }, (_, j) => `c.t${j + 1}`).join(', ');
    ctes.push(`c${k} AS (SELECT c.actor_id, ${prev}, s.t AS t${k} FROM c${k - 1} c ASOF LEFT JOIN s${k} s ON c.actor_id = s.actor_id AND s.t >= c.t${k - 1})`);
  }
  return ctes;
}

/**
 * CTEs `c3`…`ck` after `c2`: each extends the chain with the earliest step-j event at or after its
 * last instant and within the window from t1 (NULL when there is none: the chain stops there, as it
 * does when the earliest such event is past the window). A hash join on the actor with a minimum,
 * which reads only the events inside the chains' windows.
 */
function windowedChainCtes(steps: number, windowMs: string, name: (cte: string) => string): string[] {
  const ctes: string[] = [];
  for (let k = 3; k <= steps; k++) {
    const prev = Array.from({ length: k - 1 }, (_, j) => `c.t${j + 1}`).join(', ');
    ctes.push(`${name(`c${k}`)} AS (SELECT c.actor_id, ${prev}, min(s.t) AS t${k} FROM ${name(`c${k - 1}`)} c
      LEFT JOIN ${name(`s${k}`)} s ON s.actor_id = c.actor_id AND s.t >= c.t${k - 1} AND s.t <= c.t1 + ${windowMs}
      GROUP BY c.actor_id, ${prev})`);
  }
  return ctes;
}

/** The level a chain `t1`…`tk` reaches: the last step before the first one missing or past the window from t1. */
function levelExpr(steps: number, windowMs: string): string {
  const cases = Array.from({ length: steps - 1 }, (_, j) => `WHEN t${j + 2} IS NULL OR t${j + 2} - t1 > ${windowMs} THEN ${j + 1}`).join(' ');
  return steps === 1 ? '1' : `CASE ${cases} ELSE ${steps} END`;
}

/**
 * Cohort funnel (docs/concepts.md). An actor reaches step k if some chain t1 ≤ t2 ≤ … ≤ tk of step events has
 * t1 in range and tk − t1 ≤ window. For a fixed t1 the greedy chain (each step's earliest event at or
 * after the previous one) is optimal, found with one ASOF join per step; the actor's level is the best
 * over all t1. This equals ClickHouse `windowFunnel(window)` in its default mode.
 */
function funnelCtes(b: StatementBuilder, q: FunnelQuery): { ctes: string[]; windowMs: string } {
  const { ctes, windowMs } = stepCtes(b, q);
  // chain k: the greedy chain through step k for every step-1 event.
  ctes.push(`c1 AS (SELECT actor_id, t AS t1 FROM s1)`, ...greedyChainCtes(q.steps.length));
  const n = q.steps.length;
  const times = Array.from({ length: n }, (_, j) => `t${j + 1}`).join(', ');
  ctes.push(`levels AS (SELECT actor_id, ${times}, ${levelExpr(n, windowMs)} AS level FROM c${n})`);
  // One row per actor: the best level, from its earliest start on ties.
  ctes.push(`best AS (SELECT * FROM (
      SELECT actor_id, ${times}, level, row_number() OVER (PARTITION BY actor_id ORDER BY level DESC, t1) AS pick FROM levels
    ) ranked WHERE pick = 1)`);
  return { ctes, windowMs };
}

/** The signup stage a threshold step counts from (checked present when needed), and the bound window and range (ms). */
function funnelBounds(b: StatementBuilder, q: FunnelQuery): { signup?: StageDefinition; windowMs: string; fromMs: string; toMs: string } {
  const signup = q.steps.find((s) => s.stage === 'signup') ?? q.signup;
  if (needsSignup(q.steps) && !signup) throw new InputError('a step counted within days of signup needs the journey.signup stage');
  const windowMs = b.params.bind(Math.round(q.windowDays * DAY_MS), 'integer');
  return { signup, windowMs, fromMs: b.params.bind(q.range.from, 'integer'), toMs: b.params.bind(q.range.to, 'integer') };
}

/** The names of the events a funnel reads: its steps' and, when a step counts from signup, the signup stage's. */
export function funnelEventNames(q: FunnelQuery): string[] {
  const signup = needsSignup(q.steps) ? [q.steps.find((s) => s.stage === 'signup') ?? q.signup] : [];
  return [...new Set([...q.steps, ...signup].flatMap((s) => s?.selector.events ?? []))];
}

/**
 * The step CTEs `s1`…`sk` of `stepCtes` from ONE pass over the events (`step_events`: every event a
 * step or the signup stage reads, flagged with what it matches) instead of one pass per step. A
 * threshold step is reached at its n-th qualifying instant (ties count alike), from the signup stage's
 * first instant and within its days of it when set, as in `stageReachSql`.
 */
function scannedStepCtes(b: StatementBuilder, q: FunnelQuery, source: FunnelSource): { ctes: string[]; windowMs: string } {
  const name = (cte: string) => source.prefix + cte;
  const { signup, windowMs, fromMs, toMs } = funnelBounds(b, q);
  const ms = b.ms('e.ts');
  // Each event name is bound once: the pass reads these names, and each flag tests its own.
  const signupStages = needsSignup(q.steps) ? [signup!] : [];
  const names = new Map(funnelEventNames(q).map((name) => [name, b.params.bind(name)]));
  const nameIn = (events: readonly string[]) => events.length === 1
    ? `e.event = ${names.get(events[0])}`
    : `e.event IN (${events.map((name) => names.get(name)).join(', ')})`;
  const sel = (step: StageDefinition) => {
    const where = b.where(step.selector);
    return where === 'TRUE' ? nameIn(step.selector.events) : `${nameIn(step.selector.events)} AND ${where}`;
  };
  // What each flag matches: a plain step's events in its time bounds; a threshold step's (and the
  // signup stage's) at any time, since they count from the actor's first signup.
  const matches = q.steps.map((step, i) => {
    if (isThreshold(step)) return `${sel(step)}${i === 0 ? ` AND ${b.segment(q.segment)}` : ''}`;
    return i === 0
      ? `${sel(step)} AND ${b.range(q.range)} AND ${b.segment(q.segment)}`
      : `${sel(step)} AND ${ms} >= ${fromMs} AND ${ms} <= ${toMs} + ${windowMs}`;
  });
  matches.push(...signupStages.map(sel));
  const flags = matches.map((m, i) => `${m} AS m${i + 1}`).join(', ');
  // Only the event names filter the pass (a test the scan does itself); the flags do the rest.
  const ctes = [`${name('step_events')} AS (SELECT e.actor_id, ${ms} AS t, ${flags} FROM ${source.events} e WHERE ${nameIn([...names.keys()])})`];
  if (needsSignup(q.steps)) ctes.push(`${name('signup_first')} AS (SELECT actor_id, min(t) AS t FROM ${name('step_events')} WHERE m${matches.length} GROUP BY actor_id)`);
  q.steps.forEach((step, i) => {
    const k = i + 1;
    if (!isThreshold(step)) {
      ctes.push(`${name(`s${k}`)} AS (SELECT actor_id, t FROM ${name('step_events')} WHERE m${k})`);
      return;
    }
    const n = b.params.bind(step.atLeast ?? 1, 'integer');
    const from = step.withinDays === undefined ? '' : ` JOIN ${name('signup_first')} f ON f.actor_id = x.actor_id`;
    const within = step.withinDays === undefined ? '' : ` AND x.t >= f.t AND x.t <= f.t + ${b.params.bind(Math.round(step.withinDays * DAY_MS), 'integer')}`;
    const bound = i === 0 ? `t >= ${fromMs} AND t < ${toMs}` : `t >= ${fromMs} AND t < ${toMs} + ${windowMs}`;
    ctes.push(`${name(`s${k}`)} AS (SELECT actor_id, t FROM (
        SELECT x.actor_id, x.t, row_number() OVER (PARTITION BY x.actor_id ORDER BY x.t) AS n FROM ${name('step_events')} x${from} WHERE x.m${k}${within}
      ) ranked WHERE n = ${n} AND ${bound})`);
  });
  return { ctes, windowMs };
}

/**
 * The `best` CTE (actor_id, level) of the same funnel, anchored at step 2 instead of step 1: greedy
 * chains from step-1 events that share their step-2 event continue alike, and the latest of those
 * step-1 events leaves the most of the window, so one chain per step-2 event (from the latest step-1
 * event at or before it) reaches the best level of them all; a chain that starts later is still a
 * valid chain, so no level is overstated. Actors with a step-1 event and no such chain are at level 1.
 * The chains start from the few step-2 events instead of every step-1 event (page views, say), and
 * each later step joins only those chains, inside their windows.
 */
export function anchoredFunnelCtes(b: StatementBuilder, q: FunnelQuery, source: FunnelSource = { events: b.actorEvents(), prefix: '' }): string[] {
  const name = (cte: string) => source.prefix + cte;
  const { ctes, windowMs } = scannedStepCtes(b, q, source);
  const n = q.steps.length;
  if (n === 1) return [...ctes, `${name('best')} AS (SELECT DISTINCT actor_id, 1 AS level FROM ${name('s1')})`];
  ctes.push(
    `${name('c2')} AS (SELECT s.actor_id, a.t AS t1, s.t AS t2 FROM ${name('s2')} s
      ASOF JOIN (SELECT * FROM ${name('s1')} WHERE actor_id IN (SELECT actor_id FROM ${name('s2')})) a ON s.actor_id = a.actor_id AND s.t >= a.t
      WHERE s.t - a.t <= ${windowMs})`,
    ...windowedChainCtes(n, windowMs, name),
    `${name('best')} AS (SELECT actor_id, max(level) AS level FROM (
      SELECT actor_id, 1 AS level FROM ${name('s1')} UNION ALL SELECT actor_id, ${levelExpr(n, windowMs)} AS level FROM ${name(`c${n}`)}
    ) levels GROUP BY actor_id)`,
  );
  return ctes;
}

/**
 * The `best` CTE (actor_id, level) from the engine's own funnel aggregate: one pass over the events
 * of every plain step, each row flagged with the steps it matches (a row may match several), plus one
 * row per threshold step's reach; grouped by actor. Actors whose step 1 never falls in the range get
 * level 0 and are left out, as in the chain plan.
 */
function engineFunnelCtes(b: StatementBuilder, q: FunnelQuery, windowFunnel: NonNullable<StatementBuilder['d']['windowFunnel']>): string[] {
  const ctes: string[] = [];
  const { signup, windowMs, fromMs, toMs } = funnelBounds(b, q);
  const ms = b.ms('e.ts');
  const flag = (condition: string) => `CASE WHEN ${condition} THEN 1 ELSE 0 END`;
  const plain = q.steps.map((step, i) => {
    if (isThreshold(step)) return null;
    return i === 0
      ? `${b.selector(step.selector)} AND ${b.range(q.range)} AND ${b.segment(q.segment)}`
      : `${b.selector(step.selector)} AND ${ms} >= ${fromMs} AND ${ms} <= ${toMs} + ${windowMs}`;
  });
  const parts: string[] = [];
  if (plain.some((c) => c !== null)) {
    const flags = plain.map((c, i) => `${c === null ? '0' : flag(c)} AS f${i + 1}`).join(', ');
    parts.push(`SELECT e.actor_id, ${ms} AS t, ${flags} FROM ${b.actorEvents()} e
      WHERE ${plain.filter((c): c is string => c !== null).map((c) => `(${c})`).join(' OR ')}`);
  }
  // Threshold steps (a KUI) reach at one instant per actor: all of them from one more pass (step 1's
  // in its segment), as rows flagged with their step.
  const thresholds = q.steps.map((step, i) => ({ step, i })).filter(({ step }) => isThreshold(step));
  for (const group of [thresholds.filter(({ i }) => i === 0), thresholds.filter(({ i }) => i > 0)]) {
    if (group.length === 0) continue;
    const first = group[0].i === 0;
    const reach = stagesReachSql(b, group.map(({ step }) => step), first ? q.segment : 'all', signup);
    const rows = b.d.unnestRows(`(${reach}) r`, ['r.actor_id AS actor_id'], [
      { alias: 'step', items: group.map(({ i }) => String(i + 1)) },
      { alias: 't', items: group.map(({ step }) => `r.${step.stage}`) },
    ]);
    const flags = q.steps.map((_, j) => `CASE WHEN x.step = ${j + 1} THEN 1 ELSE 0 END AS f${j + 1}`).join(', ');
    const range = first ? `x.t >= ${fromMs} AND x.t < ${toMs}` : `x.t >= ${fromMs} AND x.t < ${toMs} + ${windowMs}`;
    parts.push(`SELECT x.actor_id, x.t, ${flags} FROM (${rows}) x WHERE ${range}`);
  }
  const level = windowFunnel(windowMs, 't', q.steps.map((_, j) => `f${j + 1}`));
  ctes.push(`best AS (SELECT * FROM (
      SELECT actor_id, ${level} AS level FROM (${parts.join('\nUNION ALL\n')}) flagged GROUP BY actor_id
    ) levels WHERE level > 0)`);
  return ctes;
}

function isThreshold(step: StageDefinition): boolean {
  return (step.atLeast !== undefined && step.atLeast > 1) || step.withinDays !== undefined;
}

/**
 * CTEs ending in `best` (actor_id, level): per actor who entered, the furthest step reached. What the
 * funnel counts and the people lists list. An engine with a funnel aggregate (ClickHouse windowFunnel)
 * computes the level in one pass.
 */
export function funnelLevelCtes(b: StatementBuilder, q: FunnelQuery): string[] {
  return b.d.windowFunnel ? engineFunnelCtes(b, q, b.d.windowFunnel) : anchoredFunnelCtes(b, q);
}

/**
 * `SELECT level[, breakdown], count(*) AS actors`: the actors of a `best` CTE per level (and per
 * breakdown value when asked); `keys` lists the grouping columns.
 */
export function levelCountsSql(b: StatementBuilder, q: FunnelQuery, best = 'best'): { sql: string; keys: string } {
  let breakdown = '';
  let join = '';
  if (q.breakdown === 'ideal') {
    breakdown = `, CASE WHEN x.actor_id IN (SELECT actor_id FROM ideal_actors WHERE ideal) THEN 'ideal' ELSE 'not_ideal' END AS breakdown`;
  } else if (q.breakdown?.kind === 'user_trait' || q.breakdown?.kind === 'account_trait') {
    const column = q.breakdown.kind === 'user_trait' ? 'bu.traits' : 'ba.traits';
    breakdown = `, coalesce(${b.d.jsonText(column, q.breakdown.key, b.params)}, '(none)') AS breakdown`;
    join = `LEFT JOIN users bu ON bu.user_id = x.actor_id LEFT JOIN accounts ba ON ba.account_id = bu.account_id`;
  }
  const keys = breakdown ? 'level, breakdown' : 'level';
  return { sql: `SELECT ${keys}, count(*) AS actors FROM (SELECT x.level${breakdown} FROM ${best} x ${join}) per_actor
    GROUP BY ${keys}`, keys };
}

/** Whether the statement needs the `ideal_actors` CTE: a segment or the ideal split reads it. */
export function needsIdealActors(q: FunnelQuery): boolean {
  return q.segment !== 'all' || q.breakdown === 'ideal';
}

/** Rows: `level` (1…k, the furthest step reached), `breakdown` (when asked), `actors`. */
export function compileFunnel(ctx: QueryContext, q: FunnelQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const ctes = funnelLevelCtes(b, q);
  const counts = levelCountsSql(b, q);
  const sql = `${withClause(b, ctes, q.segment, needsIdealActors(q))}
    ${counts.sql} ORDER BY ${counts.keys}${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}

/** Rows: one per actor who reached step 2 or further: `level` and its chain instants `t1`…`tk` (ms). */
export function compileFunnelChains(ctx: QueryContext, q: FunnelQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const { ctes } = funnelCtes(b, q);
  const times = q.steps.map((_, j) => `t${j + 1}`).join(', ');
  const sql = `${withClause(b, ctes, q.segment)}
    SELECT actor_id, level, ${times} FROM best WHERE level >= 2 ORDER BY actor_id${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}
