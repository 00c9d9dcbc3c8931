/**
 * Leading indicators ("aha moments", docs/beyond.md): which early behaviours predict retention or upgrade.
 *
 * Cohort: actors whose first `journey.signup` event is at least the outcome horizon before as-of
 * (28 days for `retained`, 30 for `upgraded`), optionally only signups in a range and a segment.
 * Outcomes:
 * - `retained`: did the retention event (the config's `retention`, default the North Star action with
 *   its filters) in week 4 after signup, i.e. at some instant in [signup + 21 d, signup + 28 d);
 * - `upgraded`: first reached the `journey.upgrade` stage in [signup, signup + 30 d).
 * Behaviours: for every event name, the actor's count of that event in [signup, signup + d) (d =
 * `within`, default 7 days), at thresholds {1, 2, 3, 5, 10}. The signup event is no candidate (every
 * actor has it), nor is the outcome's own event (doing the retention action in week 1 "predicts" doing
 * it in week 4 by definition; an upgrade in week 1 is an upgrade within 30 days). identify, group and
 * alias messages are never events, so there is nothing else to exclude; `Page Viewed` stays: which
 * pages a new user reads (docs, pricing) is a behaviour like any other.
 *
 * Per candidate: did / did-not counts and outcome rates, lift = did_rate ÷ did_not_rate, coverage =
 * did ÷ cohort, the pooled two-proportion z-test (two-sided) and its Benjamini–Hochberg q-value over
 * every candidate tested (candidates with fewer than `minGroup` actors on either side are not tested).
 *
 * Ranking. Behaviours that only activated users can do (share a file, export, connect an
 * integration) always show a huge raw lift, because users who never got to the product cannot be
 * retained at all; they say "activated users retain", which the journey funnel already says. So
 * candidates are also compared within journey strata: an actor's stratum is the set of journey stages
 * (setup, first strike, KUI — those configured) reached before the end of the behaviour window. With,
 * per stratum s, N_s actors, M_s of them reaching the outcome, n1_s doers of whom a_s reached it:
 *
 *   score = 100 × Σ_s (a_s − n1_s · M_s / N_s) / Σ_s N_s
 *
 * = extra outcomes per 100 cohort actors among the doers, beyond what their journey stage predicts
 * (observed − expected, the Cochran–Mantel–Haenszel numerator). Each stratum contributes
 * n1·n0/N × (rate difference), so the score grows with the strength of the effect and with how
 * common the behaviour is (peaking when doers and non-doers are balanced): a strong behaviour few
 * people do and a common one that changes nothing both score low. `journey_lift` is the
 * Mantel–Haenszel rate ratio over the same strata and `journey_p_value` the CMH test.
 */
import { InputError } from '../errors.js';
import type { EventSelector, Segment, StageDefinition, TimeRange } from '../model/metrics.js';
import { eventsLabel } from '../model/metrics.js';
import { compileLeading, type LeadingOutcome } from '../query/plans/leading.js';
import { run, type ReportContext } from './context.js';
import { benjaminiHochberg, normalUpperTail, twoProportionTest } from './stats.js';
import { DAY_MS } from '../model/time.js';

export type OutcomeKind = 'retained' | 'upgraded';

export const THRESHOLDS = [1, 2, 3, 5, 10] as const;
export const DEFAULT_WITHIN_DAYS = 7;
/** Week 4 after signup: [21, 28) days. */
export const RETAINED_WINDOW_DAYS = [21, 28] as const;
export const UPGRADE_WITHIN_DAYS = 30;
export const ALPHA = 0.05;
export const DEFAULT_MIN_GROUP = 20;
export interface LeadingIndicator {
  event: string;
  at_least: number;
  within_days: number;
  did: number;
  did_rate: number;
  did_not: number;
  did_not_rate: number;
  /** did_rate ÷ did_not_rate; null when nobody in the did-not group reached the outcome. */
  lift: number | null;
  /** Two-proportion z-test, two-sided. */
  p_value: number;
  /** did ÷ cohort. */
  coverage: number;
  /** Benjamini–Hochberg adjusted p-value over every tested candidate. */
  q_value: number;
  /** q_value ≤ alpha. */
  significant: boolean;
  /** Mantel–Haenszel rate ratio within journey strata (doers vs non-doers at the same stage). */
  journey_lift: number | null;
  /** Cochran–Mantel–Haenszel test over the strata; null when no stratum has doers and non-doers. */
  journey_p_value: number | null;
  /** Benjamini–Hochberg adjusted journey_p_value (over the candidates that have one). */
  journey_q_value: number | null;
  /** Ranking score: extra outcomes per 100 cohort actors beyond the journey stage (see above). */
  score: number;
  sentence: string;
}

export interface LeadingReport {
  outcome: OutcomeKind;
  outcome_definition: string;
  within_days: number;
  segment: Segment;
  cohort: { actors: number; reached_outcome: number; outcome_rate: number | null; signups_until: string; signups_from: string | null };
  thresholds: number[];
  alpha: number;
  correction: 'benjamini-hochberg';
  score_definition: string;
  journey_strata: string[];
  excluded_events: string[];
  min_group: number;
  tested: number;
  /** Candidates with fewer than min_group actors on either side. */
  skipped: number;
  /** Best first (score, then q-value). */
  indicators: LeadingIndicator[];
}

export interface LeadingOptions {
  outcome?: OutcomeKind;
  withinDays?: number;
  segment?: Segment;
  /** Only signups in this range (still only those whose outcome window has passed). */
  signupRange?: TimeRange;
  /** More event names to leave out. */
  exclude?: string[];
  minGroup?: number;
  thresholds?: number[];
}

interface Cell {
  n: number;
  y: number;
}

export const SCORE_DEFINITION =
  'extra outcomes per 100 users among those who did it, beyond what their journey stage predicts: 100 × Σ_s (a_s − n1_s·M_s/N_s) / N';

export async function leadingReport(ctx: ReportContext, options: LeadingOptions = {}): Promise<LeadingReport> {
  const model = ctx.model;
  const kind = options.outcome ?? 'retained';
  const withinDays = options.withinDays ?? DEFAULT_WITHIN_DAYS;
  const segment = options.segment ?? 'all';
  const minGroup = options.minGroup ?? DEFAULT_MIN_GROUP;
  const thresholds = [...new Set(options.thresholds ?? THRESHOLDS)].sort((a, b) => a - b);
  const signup = model.journey.find((s) => s.stage === 'signup');
  if (!signup) throw new InputError('the journey has no signup stage');

  let outcome: LeadingOutcome;
  let horizon: number;
  let definition: string;
  let outcomeEvents: string[];
  if (kind === 'retained') {
    outcome = { kind, selector: model.retentionSelector, fromDays: RETAINED_WINDOW_DAYS[0], toDays: RETAINED_WINDOW_DAYS[1] };
    horizon = RETAINED_WINDOW_DAYS[1];
    outcomeEvents = model.retentionSelector.events;
    definition = `did ${describeSelector(model.retentionSelector)} in week 4 after signup: [${RETAINED_WINDOW_DAYS[0]}, ${RETAINED_WINDOW_DAYS[1]}) days after the first ${eventsLabel(signup.selector.events)}`;
  } else {
    const upgrade = model.journey.find((s) => s.stage === 'upgrade');
    if (!upgrade) throw new InputError('the upgraded outcome needs journey.upgrade in the config');
    outcome = { kind, stage: upgrade, withinDays: UPGRADE_WITHIN_DAYS };
    horizon = UPGRADE_WITHIN_DAYS;
    outcomeEvents = upgrade.selector.events;
    definition = `first reached the upgrade stage (${describeSelector(upgrade.selector)}) within ${UPGRADE_WITHIN_DAYS} days of the first ${eventsLabel(signup.selector.events)}`;
  }
  const maxWithin = kind === 'retained' ? RETAINED_WINDOW_DAYS[0] : UPGRADE_WITHIN_DAYS;
  if (!(withinDays > 0 && withinDays <= maxWithin)) {
    throw new InputError(`the behaviour window must be between 0 and ${maxWithin} days for the ${kind} outcome, so behaviour comes before the outcome; got ${withinDays}`);
  }

  const strata: StageDefinition[] = model.journey.filter((s) => s.stage === 'setup' || s.stage === 'first_strike' || s.stage === 'kui');
  const exclude = [...new Set([...signup.selector.events, ...outcomeEvents, ...(options.exclude ?? [])])];
  const eligibleUntil = ctx.asOf - horizon * DAY_MS;

  const rows = await run<{ event: string; level: number; stratum: number; y: number; actors: number }>(ctx, compileLeading(ctx.query, {
    signup, outcome, withinDays, thresholds, eligibleUntil, signupRange: options.signupRange, exclude, strata, segment,
  }));

  // Cohort per stratum, and per event the actors at each level per stratum.
  const cohort = new Map<number, Cell>();
  const events = new Map<string, Map<number, Map<number, Cell>>>(); // event → level → stratum → cell
  for (const r of rows) {
    const actors = Number(r.actors);
    const stratum = Number(r.stratum);
    const level = Number(r.level);
    const y = Number(r.y);
    let cell: Cell;
    if (level === 0) {
      cell = cohort.get(stratum) ?? { n: 0, y: 0 };
      cohort.set(stratum, cell);
    } else {
      const levels = events.get(r.event) ?? new Map<number, Map<number, Cell>>();
      events.set(r.event, levels);
      const byStratum = levels.get(level) ?? new Map<number, Cell>();
      levels.set(level, byStratum);
      cell = byStratum.get(stratum) ?? { n: 0, y: 0 };
      byStratum.set(stratum, cell);
    }
    cell.n += actors;
    if (y === 1) cell.y += actors;
  }
  let total = 0;
  let reached = 0;
  for (const c of cohort.values()) {
    total += c.n;
    reached += c.y;
  }

  const verb = kind === 'retained' ? 'retain' : 'upgrade';
  const candidates: Omit<LeadingIndicator, 'q_value' | 'significant' | 'journey_q_value'>[] = [];
  let skipped = 0;
  for (const [event, levels] of events) {
    for (const k of thresholds) {
      // Doers at threshold k: every level ≥ k.
      const doers = new Map<number, Cell>();
      for (const [level, byStratum] of levels) {
        if (level < k) continue;
        for (const [stratum, cell] of byStratum) {
          const d = doers.get(stratum) ?? { n: 0, y: 0 };
          d.n += cell.n;
          d.y += cell.y;
          doers.set(stratum, d);
        }
      }
      let did = 0;
      let didY = 0;
      for (const d of doers.values()) {
        did += d.n;
        didY += d.y;
      }
      const didNot = total - did;
      if (did === 0) continue;
      if (did < minGroup || didNot < minGroup) {
        skipped++;
        continue;
      }
      const didNotY = reached - didY;
      const didRate = didY / did;
      const didNotRate = didNotY / didNot;
      const test = twoProportionTest(didY, did, didNotY, didNot);
      const journey = stratified(cohort, doers);
      const indicator = {
        event, at_least: k, within_days: withinDays,
        did, did_rate: didRate, did_not: didNot, did_not_rate: didNotRate,
        lift: didNotRate > 0 ? didRate / didNotRate : null,
        p_value: test.pValue,
        coverage: did / total,
        journey_lift: journey.lift,
        journey_p_value: journey.pValue,
        score: (100 * journey.excess) / total,
        sentence: '',
      };
      indicator.sentence = sentence(indicator, verb);
      candidates.push(indicator);
    }
  }

  const q = benjaminiHochberg(candidates.map((c) => c.p_value));
  const withJourney = candidates.flatMap((c, i) => (c.journey_p_value === null ? [] : [i]));
  const journeyQ = new Map<number, number>();
  benjaminiHochberg(withJourney.map((i) => candidates[i].journey_p_value!)).forEach((value, k) => journeyQ.set(withJourney[k], value));
  const indicators: LeadingIndicator[] = candidates.map((c, i) => ({
    event: c.event, at_least: c.at_least, within_days: c.within_days,
    did: c.did, did_rate: c.did_rate, did_not: c.did_not, did_not_rate: c.did_not_rate, lift: c.lift, p_value: c.p_value,
    coverage: c.coverage, q_value: q[i], significant: q[i] <= ALPHA,
    journey_lift: c.journey_lift, journey_p_value: c.journey_p_value, journey_q_value: journeyQ.get(i) ?? null,
    score: c.score, sentence: c.sentence,
  }));
  indicators.sort((a, b) => b.score - a.score || a.q_value - b.q_value || a.event.localeCompare(b.event) || a.at_least - b.at_least);

  return {
    outcome: kind,
    outcome_definition: definition,
    within_days: withinDays,
    segment,
    cohort: {
      actors: total,
      reached_outcome: reached,
      outcome_rate: total > 0 ? reached / total : null,
      signups_until: new Date(eligibleUntil).toISOString(),
      signups_from: options.signupRange ? new Date(options.signupRange.from).toISOString() : null,
    },
    thresholds,
    alpha: ALPHA,
    correction: 'benjamini-hochberg',
    score_definition: SCORE_DEFINITION,
    journey_strata: strata.map((s) => s.stage),
    excluded_events: exclude,
    min_group: minGroup,
    tested: indicators.length,
    skipped,
    indicators,
  };
}

/**
 * An indicator worth putting forward: significant after correction, positive, and significant
 * beyond the journey stage too (when strata can tell), so "only activated users do it" is not enough.
 */
export function isAhaCandidate(i: LeadingIndicator): boolean {
  return i.significant && i.score > 0 && (i.lift === null || i.lift > 1) && (i.journey_q_value === null || i.journey_q_value <= ALPHA);
}

/** `Message Sent (channel ne "self")`: an event and its filters, for people. */
export function describeSelector(selector: EventSelector): string {
  if (selector.where.length === 0) return eventsLabel(selector.events);
  const conditions = selector.where.map((c) => `${c.property} ${c.op} ${JSON.stringify(c.value)}`);
  return `${eventsLabel(selector.events)} (${conditions.join(' and ')})`;
}

/** Observed − expected outcomes among doers, the Mantel–Haenszel rate ratio and the CMH test, over strata. */
export function stratified(cohort: ReadonlyMap<number, Cell>, doers: ReadonlyMap<number, Cell>): { excess: number; lift: number | null; pValue: number | null } {
  let excess = 0;
  let variance = 0;
  let num = 0;
  let den = 0;
  for (const [stratum, all] of cohort) {
    const N = all.n;
    if (N === 0) continue;
    const M = all.y;
    const d = doers.get(stratum) ?? { n: 0, y: 0 };
    const n1 = d.n;
    const n0 = N - n1;
    const a = d.y;
    const c = M - a;
    excess += a - (n1 * M) / N;
    if (N > 1) variance += (n1 * n0 * M * (N - M)) / (N * N * (N - 1));
    num += (a * n0) / N;
    den += (c * n1) / N;
  }
  return {
    excess,
    lift: den > 0 ? num / den : null,
    pValue: variance > 0 ? Math.min(1, 2 * normalUpperTail(Math.abs(excess) / Math.sqrt(variance))) : null,
  };
}

/** "Users who do Invite Sent ≥ 3 times in their first 7 days retain 2.4× as often (41 % vs 17 %, 28 % of users)." */
export function sentence(i: Pick<LeadingIndicator, 'event' | 'at_least' | 'within_days' | 'did_rate' | 'did_not_rate' | 'lift' | 'coverage'>, verb: string): string {
  const times = i.at_least === 1 ? '' : ` ≥ ${i.at_least} times`;
  const window = `in their first ${formatDays(i.within_days)}`;
  const how = i.lift === null
    ? `${verb} while nobody else does`
    : i.lift >= 1 ? `${verb} ${formatLift(i.lift)} as often` : `${verb} only ${formatLift(i.lift)} as often`;
  return `Users who do ${i.event}${times} ${window} ${how} (${pct(i.did_rate)} vs ${pct(i.did_not_rate)}, ${pct(i.coverage)} of users).`;
}

function formatDays(days: number): string {
  if (Number.isInteger(days)) return days === 1 ? 'day' : `${days} days`;
  const hours = Math.round(days * 24);
  return `${hours} hours`;
}

export function formatLift(lift: number): string {
  return `${lift >= 10 ? lift.toFixed(0) : lift.toFixed(1)}×`;
}

export function pct(rate: number): string {
  const p = rate * 100;
  if (p === 0 || p >= 10) return `${Math.round(p)} %`;
  return `${p.toFixed(1)} %`;
}
