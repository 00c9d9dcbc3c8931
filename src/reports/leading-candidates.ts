/** The leading-indicator arithmetic (see reports/leading.ts): the cohort and candidates per journey stratum, the tests, the ranking. */
import { sentence } from './leading-text.js';
import { benjaminiHochberg, normalUpperTail, twoProportionTest } from './stats.js';

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

export interface Cell {
  n: number;
  y: number;
}

type Candidate = Omit<LeadingIndicator, 'q_value' | 'significant' | 'journey_q_value'>;

export interface Tally {
  /** Stratum → cell. */
  cohort: Map<number, Cell>;
  /** Event → level → stratum → cell. */
  events: Map<string, Map<number, Map<number, Cell>>>;
  total: number;
  reached: number;
}

export interface LeadingRow {
  event: string;
  level: number;
  stratum: number;
  y: number;
  actors: number;
}

/** Cohort per stratum, and per event the actors at each level per stratum. */
export function tallyRows(rows: LeadingRow[]): Tally {
  const cohort = new Map<number, Cell>();
  const events = new Map<string, Map<number, Map<number, Cell>>>();
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
  const all = sumCells(cohort.values());
  return { cohort, events, total: all.n, reached: all.y };
}

function sumCells(cells: Iterable<Cell>): Cell {
  const sum = { n: 0, y: 0 };
  for (const c of cells) {
    sum.n += c.n;
    sum.y += c.y;
  }
  return sum;
}

/** Doers at threshold k per stratum: every level ≥ k. */
function doersAtLeast(levels: ReadonlyMap<number, ReadonlyMap<number, Cell>>, k: number): Map<number, Cell> {
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
  return doers;
}

export interface CandidateSettings {
  thresholds: number[];
  withinDays: number;
  minGroup: number;
  verb: string;
}

/** Every event at every threshold with at least minGroup actors on both sides, tested; the rest counted as skipped. */
export function testCandidates(tally: Tally, settings: CandidateSettings): { candidates: Candidate[]; skipped: number } {
  const candidates: Candidate[] = [];
  let skipped = 0;
  for (const [event, levels] of tally.events) {
    for (const k of settings.thresholds) {
      const doers = doersAtLeast(levels, k);
      const did = sumCells(doers.values()).n;
      const didNot = tally.total - did;
      if (did === 0) continue;
      if (did < settings.minGroup || didNot < settings.minGroup) {
        skipped++;
        continue;
      }
      candidates.push(candidate(tally, event, k, doers, settings));
    }
  }
  return { candidates, skipped };
}

function candidate(tally: Tally, event: string, k: number, doers: ReadonlyMap<number, Cell>, settings: CandidateSettings): Candidate {
  const { total, reached } = tally;
  const { n: did, y: didY } = sumCells(doers.values());
  const didNot = total - did;
  const didNotY = reached - didY;
  const didRate = didY / did;
  const didNotRate = didNotY / didNot;
  const test = twoProportionTest(didY, did, didNotY, didNot);
  const journey = stratified(tally.cohort, doers);
  const indicator = {
    event, at_least: k, within_days: settings.withinDays,
    did, did_rate: didRate, did_not: didNot, did_not_rate: didNotRate,
    lift: didNotRate > 0 ? didRate / didNotRate : null,
    p_value: test.pValue,
    coverage: did / total,
    journey_lift: journey.lift,
    journey_p_value: journey.pValue,
    score: (100 * journey.excess) / total,
    sentence: '',
  };
  indicator.sentence = sentence(indicator, settings.verb);
  return indicator;
}

/** Benjamini–Hochberg q-values over the plain and the journey tests (significant: q ≤ alpha), then best first. */
export function rankIndicators(candidates: Candidate[], alpha: number): LeadingIndicator[] {
  const q = benjaminiHochberg(candidates.map((c) => c.p_value));
  const withJourney = candidates.flatMap((c, i) => (c.journey_p_value === null ? [] : [i]));
  const journeyQ = new Map<number, number>();
  benjaminiHochberg(withJourney.map((i) => candidates[i].journey_p_value!)).forEach((value, k) => journeyQ.set(withJourney[k], value));
  const indicators: LeadingIndicator[] = candidates.map((c, i) => ({
    event: c.event, at_least: c.at_least, within_days: c.within_days,
    did: c.did, did_rate: c.did_rate, did_not: c.did_not, did_not_rate: c.did_not_rate, lift: c.lift, p_value: c.p_value,
    coverage: c.coverage, q_value: q[i], significant: q[i] <= alpha,
    journey_lift: c.journey_lift, journey_p_value: c.journey_p_value, journey_q_value: journeyQ.get(i) ?? null,
    score: c.score, sentence: c.sentence,
  }));
  indicators.sort((a, b) => b.score - a.score || a.q_value - b.q_value || a.event.localeCompare(b.event) || a.at_least - b.at_least);
  return indicators;
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
