/**
 * Tallies kept while generating, so the summary can report what was actually planted (measured on
 * the emitted data, with the definitions of docs/concepts.md), not only the intended rates.
 */

export interface SegmentFunnel {
  signups: number;
  setup: number;
  firstStrike: number;
  kui: number;
  upgrade: number;
}

export interface Split {
  did: number;
  didRetained: number;
  didNot: number;
  didNotRetained: number;
}

/** One user's outcome, reported when the user leaves the simulation. */
export interface UserOutcome {
  ideal: boolean;
  setup: boolean;
  firstStrike: boolean;
  kui: boolean;
  upgrade: boolean;
  /** Week 4 after the signup week lies inside the data. */
  week4Observable: boolean;
  retainedWeek4: boolean;
  invitesFirst7Days: number;
  searchesFirst7Days: number;
}

const newFunnel = (): SegmentFunnel => ({ signups: 0, setup: 0, firstStrike: 0, kui: 0, upgrade: 0 });
const newSplit = (): Split => ({ did: 0, didRetained: 0, didNot: 0, didNotRetained: 0 });

export class Stats {
  lines = 0;
  visitors = 0;
  signups = 0;
  payingAccounts = 0;
  ledgerRows = 0;
  surveyAnswers = 0;
  readonly weekly: {
    visits: Float64Array; signup: Float64Array; setup: Float64Array; first_strike: Float64Array;
    kui: Float64Array; upgrade: Float64Array; northStar: Float64Array; integrations: Float64Array; invites: Float64Array;
  };
  readonly funnel = { ideal: newFunnel(), other: newFunnel() };
  readonly aha = newSplit();
  readonly decoy = newSplit();
  readonly pmf = { responses: 0, veryDisappointed: 0 };
  readonly nps = { responses: 0, promoters: 0, detractors: 0 };
  readonly csat = { responses: 0, satisfied: 0 };
  /** Current MRR per paying account. */
  readonly mrr = new Map<string, number>();

  constructor(readonly weeks: number) {
    const series = () => new Float64Array(weeks);
    this.weekly = {
      visits: series(), signup: series(), setup: series(), first_strike: series(), kui: series(), upgrade: series(),
      northStar: series(), integrations: series(), invites: series(),
    };
  }

  addUser(o: UserOutcome): void {
    const f = o.ideal ? this.funnel.ideal : this.funnel.other;
    f.signups++;
    if (o.setup) f.setup++;
    if (o.firstStrike) f.firstStrike++;
    if (o.kui) f.kui++;
    if (o.upgrade) f.upgrade++;
    if (!o.week4Observable) return;
    tally(this.aha, o.invitesFirst7Days >= 3, o.retainedWeek4);
    tally(this.decoy, o.searchesFirst7Days >= 1, o.retainedWeek4);
  }

  mrrTotal(): number {
    let total = 0;
    for (const value of this.mrr.values()) total += value;
    return Math.round(total * 100) / 100;
  }
}

function tally(split: Split, did: boolean, retained: boolean): void {
  if (did) {
    split.did++;
    if (retained) split.didRetained++;
  } else {
    split.didNot++;
    if (retained) split.didNotRetained++;
  }
}

/** Pearson correlation of x[t] with y[t + lag] over the overlapping weeks. */
export function laggedCorrelation(x: ArrayLike<number>, y: ArrayLike<number>, lag: number, from = 0): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = from; t + lag < y.length && t < x.length; t++) {
    xs.push(x[t]);
    ys.push(y[t + lag]);
  }
  const n = xs.length;
  if (n < 3) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}
