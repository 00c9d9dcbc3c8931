/**
 * Surveys read from configured events (docs/health.md, surveys): the Sean Ellis PMF score, NPS and CSAT,
 * overall, by week and by segment (ideal user vs not). The builders are pure; `surveysReport` fetches
 * the responses (few rows) and calls them.
 *
 * Counting: PMF and NPS count respondents: an actor answering several times in a bucket (a week, the
 * whole range) counts once, with their latest answer. CSAT rates interactions, so every answer counts.
 */
import type { Segment, TimeRange, TimeSettings } from '../model/metrics.js';
import { eventsLabel } from '../model/metrics.js';
import { DAY_MS, periodsIn, WEEK_MS, weekNameOf } from '../model/time.js';
import { compileSurveyResponses } from '../query/plans/surveys.js';
import { run, type ReportContext } from './context.js';
import { type HealthModel, type SurveyDefinition, type SurveyKind } from '../model/health.js';

/** Below this many answers a score is reported with a warning (Sean Ellis: at least 30–40). */
export const MIN_RESPONSES = 30;
/** The trailing window of `rolling`: a week's score pools the answers of it and the weeks before. */
export const ROLLING_WEEKS = 4;
/** PMF `active_only`: the respondent did the retention action in this many days before answering. */
export const PMF_ACTIVE_DAYS = 14;

export interface SurveyResponse {
  actor: string;
  /** epoch ms */
  t: number;
  /** The answer or score as text (null when the property is absent). */
  answer: string | null;
  ideal: boolean;
  /** For PMF with active_only: the respondent was an active user. */
  active?: boolean;
}

export type PmfAnswer = 'very_disappointed' | 'somewhat_disappointed' | 'not_disappointed';

/** "Very disappointed", "very_disappointed", "VERY-DISAPPOINTED" … → very_disappointed; else null (N/A, no longer use). */
export function pmfAnswer(text: string | null): PmfAnswer | null {
  if (text === null) return null;
  const t = text.toLowerCase().replace(/[_\-\s]+/g, ' ').trim();
  if (t.startsWith('very disappointed')) return 'very_disappointed';
  if (t.startsWith('somewhat disappointed')) return 'somewhat_disappointed';
  if (t.startsWith('not disappointed')) return 'not_disappointed';
  return null;
}

/** A whole score in [lo, hi], else null (not a number, a fraction, out of range). */
export function scoreOf(text: string | null, lo: number, hi: number): number | null {
  if (text === null || text.trim() === '') return null;
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= lo && n <= hi ? n + 0 : null; // + 0 turns -0 into 0
}

function warning(kind: SurveyKind, responses: number): string | null {
  if (responses >= MIN_RESPONSES) return null;
  const what = { pmf: 'PMF score', nps: 'NPS', csat: 'CSAT' }[kind];
  return `only ${responses} answer${responses === 1 ? '' : 's'}; the ${what} needs at least ${MIN_RESPONSES} to be reliable`;
}

/** The latest response of each actor, in time order. */
function latestPerActor(responses: readonly SurveyResponse[]): SurveyResponse[] {
  const latest = new Map<string, SurveyResponse>();
  for (const r of responses) {
    const seen = latest.get(r.actor);
    if (!seen || seen.t <= r.t) latest.set(r.actor, r);
  }
  return [...latest.values()].sort((a, b) => a.t - b.t);
}

export interface PmfScore {
  responses: number;
  /** The PMF score: share of "very disappointed" (a fraction). */
  very_disappointed: number | null;
  score: number | null;
  very_disappointed_count: number;
  somewhat_disappointed_count: number;
  not_disappointed_count: number;
  /** Answers that are none of the three (N/A, "I no longer use it"): not counted. */
  unrecognized: number;
  /** active_only: respondents left out because they were not active users. */
  inactive_excluded: number;
  /** ≥ 40 % "very disappointed" is the Sean Ellis bar for product-market fit. */
  reached_40: boolean | null;
  warning: string | null;
}

export function pmfScore(responses: readonly SurveyResponse[], activeOnly = false): PmfScore {
  const respondents = latestPerActor(responses);
  const counted = activeOnly ? respondents.filter((r) => r.active) : respondents;
  const counts: Record<PmfAnswer, number> = { very_disappointed: 0, somewhat_disappointed: 0, not_disappointed: 0 };
  let unrecognized = 0;
  for (const r of counted) {
    const a = pmfAnswer(r.answer);
    if (a) counts[a]++;
    else unrecognized++;
  }
  const n = counts.very_disappointed + counts.somewhat_disappointed + counts.not_disappointed;
  const share = n > 0 ? counts.very_disappointed / n : null;
  return {
    responses: n,
    very_disappointed: share,
    score: share,
    very_disappointed_count: counts.very_disappointed,
    somewhat_disappointed_count: counts.somewhat_disappointed,
    not_disappointed_count: counts.not_disappointed,
    unrecognized,
    inactive_excluded: respondents.length - counted.length,
    reached_40: share === null ? null : share >= 0.4,
    warning: warning('pmf', n),
  };
}

export interface NpsScore {
  responses: number;
  /** % promoters − % detractors, as a fraction in [−1, 1] (0.25 = NPS +25). */
  score: number | null;
  promoters: number;
  passives: number;
  detractors: number;
  invalid: number;
  warning: string | null;
}

/** NPS on a 0–10 score: promoters 9–10, passives 7–8, detractors 0–6. */
export function npsScore(responses: readonly SurveyResponse[]): NpsScore {
  const respondents = latestPerActor(responses);
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  let invalid = 0;
  for (const r of respondents) {
    const s = scoreOf(r.answer, 0, 10);
    if (s === null) invalid++;
    else if (s >= 9) promoters++;
    else if (s >= 7) passives++;
    else detractors++;
  }
  const n = promoters + passives + detractors;
  return { responses: n, score: n > 0 ? (promoters - detractors) / n : null, promoters, passives, detractors, invalid, warning: warning('nps', n) };
}

export interface CsatScore {
  responses: number;
  /** Share of 4–5 on a 1–5 score. */
  score: number | null;
  satisfied: number;
  invalid: number;
  warning: string | null;
}

export function csatScore(responses: readonly SurveyResponse[]): CsatScore {
  let satisfied = 0;
  let n = 0;
  let invalid = 0;
  for (const r of responses) {
    const s = scoreOf(r.answer, 1, 5);
    if (s === null) { invalid++; continue; }
    n++;
    if (s >= 4) satisfied++;
  }
  return { responses: n, score: n > 0 ? satisfied / n : null, satisfied, invalid, warning: warning('csat', n) };
}

type Scores = { pmf: PmfScore; nps: NpsScore; csat: CsatScore };

export type SurveySection<K extends SurveyKind> = Scores[K] & {
  event: string;
  by_week: ({ period: string } & Scores[K])[];
  /**
   * Per week, the score over the ROLLING_WEEKS weeks ending with it (answers of a few weeks pooled,
   * so one week's handful does not swing it); `sufficient` is false below MIN_RESPONSES answers.
   */
  rolling: ({ period: string; sufficient: boolean } & Scores[K])[];
  /** Ideal users vs the rest; null when no ideal user profile is configured. */
  by_segment: { ideal: Scores[K]; not_ideal: Scores[K] } | null;
};

export interface SurveysReport {
  from: string;
  to: string;
  segment: Segment;
  /** A score from fewer answers is not judged (shown as too few answers). */
  min_responses: number;
  rolling_weeks: number;
  pmf: SurveySection<'pmf'> | null;
  nps: SurveySection<'nps'> | null;
  csat: SurveySection<'csat'> | null;
}

function score<K extends SurveyKind>(kind: K, responses: readonly SurveyResponse[], definition: SurveyDefinition): Scores[K] {
  if (kind === 'pmf') return pmfScore(responses, definition.activeOnly) as Scores[K];
  if (kind === 'nps') return npsScore(responses) as Scores[K];
  return csatScore(responses) as Scores[K];
}

/** Overall (the whole range), by week, rolling and by segment, from one survey's responses (those before the range feed only `rolling`). */
export function surveySection<K extends SurveyKind>(
  kind: K, definition: SurveyDefinition, responses: readonly SurveyResponse[], range: TimeRange, time: TimeSettings, segmented: boolean,
): SurveySection<K> {
  const inRange = responses.filter((r) => r.t >= range.from && r.t < range.to);
  const byWeek = new Map<string, SurveyResponse[]>();
  for (const r of inRange) {
    const w = weekNameOf(r.t, time);
    const list = byWeek.get(w) ?? [];
    list.push(r);
    byWeek.set(w, list);
  }
  const overall: Scores[K] = score(kind, inRange, definition);
  return {
    ...overall,
    event: eventsLabel(definition.events),
    by_week: periodsIn(range, 'week', time).map((p) => ({ period: p.name, ...score(kind, byWeek.get(p.name) ?? [], definition) })),
    rolling: periodsIn(range, 'week', time).map((p) => {
      const pooled = score(kind, responses.filter((r) => r.t >= p.to - ROLLING_WEEKS * WEEK_MS && r.t < p.to), definition);
      return { period: p.name, sufficient: pooled.responses >= MIN_RESPONSES, ...pooled };
    }),
    by_segment: segmented
      ? { ideal: score(kind, inRange.filter((r) => r.ideal), definition), not_ideal: score(kind, inRange.filter((r) => !r.ideal), definition) }
      : null,
  };
}

export async function fetchSurveyResponses(ctx: ReportContext, definition: SurveyDefinition, range: TimeRange): Promise<SurveyResponse[]> {
  const active = definition.activeOnly ? { selector: ctx.model.retentionSelector, withinMs: PMF_ACTIVE_DAYS * DAY_MS } : undefined;
  const rows = await run<{ actor_id: string; t: number; answer: string | null; ideal: boolean; active?: number }>(
    ctx, compileSurveyResponses(ctx.query, { events: definition.events, property: definition.property, range, active }),
  );
  return rows.map((r) => ({
    actor: r.actor_id, t: Number(r.t), answer: r.answer, ideal: Boolean(r.ideal),
    ...(active ? { active: Number(r.active) === 1 } : {}),
  }));
}

/** `segment` restricts the respondents; with 'all', each survey is also split ideal vs not ideal. */
export async function surveysReport(ctx: ReportContext, health: Pick<HealthModel, 'surveys'>, range: TimeRange, segment: Segment = 'all'): Promise<SurveysReport> {
  const segmented = ctx.model.idealUser !== null && segment === 'all';
  const keep = (r: SurveyResponse) => segment === 'all' || (segment === 'ideal') === r.ideal;
  const section = async <K extends SurveyKind>(kind: K): Promise<SurveySection<K> | null> => {
    const definition = health.surveys[kind];
    if (!definition) return null;
    // The weeks before the range feed the first weeks' rolling scores.
    const responses = (await fetchSurveyResponses(ctx, definition, { ...range, from: range.from - (ROLLING_WEEKS - 1) * WEEK_MS })).filter(keep);
    return surveySection(kind, definition, responses, range, ctx.model.time, segmented);
  };
  return {
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    segment,
    min_responses: MIN_RESPONSES,
    rolling_weeks: ROLLING_WEEKS,
    pmf: await section('pmf'),
    nps: await section('nps'),
    csat: await section('csat'),
  };
}
