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
import type { Segment, StageDefinition, TimeRange } from '../model/metrics.js';
import { eventsLabel } from '../model/metrics.js';
import { compileLeading, type LeadingOutcome, type LeadingQuery } from '../query/plans/leading.js';
import { run, type ReportContext } from './context.js';
import { rankIndicators, tallyRows, testCandidates, type LeadingIndicator, type LeadingRow } from './leading-candidates.js';
import { describeSelector } from './leading-text.js';
import { DAY_MS } from '../model/time.js';

export type OutcomeKind = 'retained' | 'upgraded';

export const THRESHOLDS = [1, 2, 3, 5, 10] as const;
export const DEFAULT_WITHIN_DAYS = 7;
/** Week 4 after signup: [21, 28) days. */
export const RETAINED_WINDOW_DAYS = [21, 28] as const;
export const UPGRADE_WITHIN_DAYS = 30;
export const ALPHA = 0.05;
export const DEFAULT_MIN_GROUP = 20;
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

export const SCORE_DEFINITION =
  'extra outcomes per 100 users among those who did it, beyond what their journey stage predicts: 100 × Σ_s (a_s − n1_s·M_s/N_s) / N';

interface OutcomeSpec {
  outcome: LeadingOutcome;
  /** Days after signup until the outcome is known. */
  horizon: number;
  definition: string;
  events: string[];
}

export async function leadingReport(ctx: ReportContext, options: LeadingOptions = {}): Promise<LeadingReport> {
  const kind = options.outcome ?? 'retained';
  const minGroup = options.minGroup ?? DEFAULT_MIN_GROUP;
  const { query, definition } = leadingQuery(ctx, options);
  const { withinDays, segment, thresholds, strata, exclude, eligibleUntil } = query;
  const rows = await run<LeadingRow>(ctx, compileLeading(ctx.query, query));
  const tally = tallyRows(rows);
  const { candidates, skipped } = testCandidates(tally, { thresholds, withinDays, minGroup, verb: kind === 'retained' ? 'retain' : 'upgrade' });
  const indicators = rankIndicators(candidates, ALPHA);
  const { total, reached } = tally;

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

/** The cohort, outcome, behaviour window and candidates the options describe: what the report counts and the people lists list. */
export function leadingQuery(ctx: ReportContext, options: LeadingOptions): { query: LeadingQuery; definition: string } {
  const model = ctx.model;
  const kind = options.outcome ?? 'retained';
  const withinDays = options.withinDays ?? DEFAULT_WITHIN_DAYS;
  const signup = model.journey.find((s) => s.stage === 'signup');
  if (!signup) throw new InputError('the journey has no signup stage');
  const spec = outcomeSpec(model, kind, signup);
  checkBehaviourWindow(kind, withinDays);
  const query: LeadingQuery = {
    signup, outcome: spec.outcome, withinDays,
    thresholds: [...new Set(options.thresholds ?? THRESHOLDS)].sort((a, b) => a - b),
    eligibleUntil: ctx.asOf - spec.horizon * DAY_MS,
    signupRange: options.signupRange,
    exclude: [...new Set([...signup.selector.events, ...spec.events, ...(options.exclude ?? [])])],
    strata: model.journey.filter((s) => s.stage === 'setup' || s.stage === 'first_strike' || s.stage === 'kui'),
    segment: options.segment ?? 'all',
  };
  return { query, definition: spec.definition };
}

function outcomeSpec(model: ReportContext['model'], kind: OutcomeKind, signup: StageDefinition): OutcomeSpec {
  if (kind === 'retained') {
    return {
      outcome: { kind, selector: model.retentionSelector, fromDays: RETAINED_WINDOW_DAYS[0], toDays: RETAINED_WINDOW_DAYS[1] },
      horizon: RETAINED_WINDOW_DAYS[1],
      events: model.retentionSelector.events,
      definition: `did ${describeSelector(model.retentionSelector)} in week 4 after signup: [${RETAINED_WINDOW_DAYS[0]}, ${RETAINED_WINDOW_DAYS[1]}) days after the first ${eventsLabel(signup.selector.events)}`,
    };
  }
  const upgrade = model.journey.find((s) => s.stage === 'upgrade');
  if (!upgrade) throw new InputError('the upgraded outcome needs journey.upgrade in the config');
  return {
    outcome: { kind, stage: upgrade, withinDays: UPGRADE_WITHIN_DAYS },
    horizon: UPGRADE_WITHIN_DAYS,
    events: upgrade.selector.events,
    definition: `first reached the upgrade stage (${describeSelector(upgrade.selector)}) within ${UPGRADE_WITHIN_DAYS} days of the first ${eventsLabel(signup.selector.events)}`,
  };
}

/** The behaviour window must end before the outcome window starts. */
function checkBehaviourWindow(kind: OutcomeKind, withinDays: number): void {
  const maxWithin = kind === 'retained' ? RETAINED_WINDOW_DAYS[0] : UPGRADE_WITHIN_DAYS;
  if (!(withinDays > 0 && withinDays <= maxWithin)) {
    throw new InputError(`the behaviour window must be between 0 and ${maxWithin} days for the ${kind} outcome, so behaviour comes before the outcome; got ${withinDays}`);
  }
}

/**
 * An indicator worth putting forward: significant after correction, positive, and significant
 * beyond the journey stage too (when strata can tell), so "only activated users do it" is not enough.
 */
export function isAhaCandidate(i: LeadingIndicator): boolean {
  return i.significant && i.score > 0 && (i.lift === null || i.lift > 1) && (i.journey_q_value === null || i.journey_q_value <= ALPHA);
}
