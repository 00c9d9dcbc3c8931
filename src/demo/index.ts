/**
 * `truenorth demo`: a deterministic, realistic dataset for "Acme Chat", a B2B team chat product.
 *
 * Writes into outDir:
 *   events.ndjson      Segment-shaped messages (track, page, identify, group, alias) and ~10 % PostHog
 *                      shapes ($pageview, $identify, $groupidentify, $create_alias, custom events),
 *                      globally sorted by timestamp, each with a unique seeded messageId / uuid.
 *   subscriptions.csv  the MRR ledger (account_id,effective_at,mrr,plan,currency), consistent with the
 *                      Subscription Started / Updated / Cancelled events (same account, same instant).
 *   truenorth.yaml     the matching config (docs/configuration.md).
 *   manual.csv         hand-entered weekly cash balance, sales & marketing spend and burn.
 *
 * PLANTED FACTS (constants in model.ts; measured values come back in DemoSummary.planted):
 *   1. Bottleneck — signup -> setup (Workspace Created): ~20 % of signups set up, against a 60 %
 *      target. The other steps run a little above target: visit -> signup ~7.3 % (target 6.5 %),
 *      setup -> first strike ~77 % (70 %), first strike -> KUI ~40 % (35 %), KUI -> upgrade ~37 %
 *      (30 %). Setup has by far the largest target / actual ratio (~3 vs < 1 elsewhere), every week.
 *   2. Aha moment — users who send >= 3 `Invite Sent` in their first 7 days after signup (~30 % of
 *      signups) are ~2.5x as likely to be retained in week 4 (a non-self `Message Sent` in the 4th
 *      week after their signup week) as those who do not. (Inviters set up more, reach the KUI more
 *      and churn half as fast.)
 *   3. Decoy — `Search Performed` in the first 7 days is done by ~84 % of signups and is unrelated
 *      to retention (lift ~1, not significant).
 *   4. Driver — weekly `Integration Connected` leads the weekly North Star by one week: integrations
 *      follow a weekly campaign intensity, and a user who connected one sends 3x the messages the
 *      next week (week-over-week changes correlate ~0.95+ at lag 1).
 *   Ideal users (role engineer|pm, company_size >= 10) convert better at every step.
 *   Journey decisions, churn and the decoy use low-variance sampling (prng.ts Quota) so these facts
 *   hold every week and at small sizes; timing and everything else is plainly random.
 *
 * Scale: users are simulated day by day with bounded state (only users with something left to do
 * are kept); only one day of lines is buffered, sorted and written with backpressure.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { dailyVolumes, dataWindow, isoDate, isoTime, isoWeekName, offsets } from './calendar.js';
import { configTargets, configYaml } from './config.js';
import { PURPOSE, type DemoContext, type LedgerEntry } from './context.js';
import { Ids } from './identity.js';
import { manualCsv, manualRows } from './manual.js';
import {
  AHA_DAYS, AHA_INVITES, CAMPAIGN_INTENSITY, DEFAULT_END_DATE, DEFAULT_SEED, DEFAULT_USERS, DEFAULT_WEEKS,
  MAX_DAYS_VISIT_BEFORE_SIGNUP, MIN_WEEKS, NON_CONVERTING_VISITORS_PER_SIGNUP, PLANTED_INTEGRATION_BOOST,
  PRODUCT, TARGET_RATES,
} from './model.js';
import { hashKey, mix32, normalizeSeed, Quota } from './prng.js';
import { Shapes } from './shapes.js';
import { laggedCorrelation, Stats, type SegmentFunnel, type Split } from './stats.js';
import { liveUserDay, outcome } from './user-life.js';
import { planUser, type UserState } from './user-plan.js';
import { visitorsForDay } from './visitors.js';
import { FileWriter, Timeline } from './writers.js';
import { WEEK_MS } from '../model/time.js';

export interface DemoOptions {
  outDir: string;
  /** Signups over the whole period (default 3000). */
  users?: number;
  seed?: number;
  /** Full ISO weeks of data (default 16, at least 12). */
  weeks?: number;
  /** ISO date; the data covers the `weeks` full ISO weeks before its Monday (default 2026-11-16). */
  endDate?: string;
  /** Called after each generated day. */
  onProgress?: (done: number, total: number) => void;
}

export interface StepFact {
  step: string;
  stage: string;
  target_rate: number;
  actual_rate: number;
  /** target ÷ actual: above 1 = below target. */
  ratio: number;
}

/** Same field names as the `leading` report (docs/beyond.md), plus users and coverage. */
export interface IndicatorFact {
  event: string;
  at_least: number;
  within_days: number;
  outcome: string;
  /** Signups whose week 4 lies inside the data. */
  users: number;
  coverage: number;
  did: number;
  did_rate: number;
  did_not: number;
  did_not_rate: number;
  lift: number;
  /** Two-proportion z-test, two-sided. */
  p_value: number;
}

export interface DemoSummary {
  outDir: string;
  product: string;
  seed: number;
  files: { events: string; subscriptions: string; config: string; manual: string };
  bytes: { events: number; subscriptions: number; config: number; manual: number };
  period: { start: string; end: string; weeks: number; first_week: string; last_week: string };
  counts: {
    events: number;
    visitors: number;
    signups: number;
    accounts: number;
    paying_accounts: number;
    ledger_rows: number;
    survey_answers: number;
    manual_rows: number;
  };
  planted: {
    bottleneck: { stage: 'setup'; description: string; steps: StepFact[] };
    aha_moment: IndicatorFact & { description: string };
    decoy: IndicatorFact & { description: string };
    driver: {
      metric: string;
      leads_by_weeks: number;
      description: string;
      /** Pearson correlation of weekly integrations (week t) with the North Star (week t + lag), lag 0–4. */
      correlation_by_lag: number[];
      /** The same on week-over-week changes, which removes the shared growth trend. */
      correlation_of_changes_by_lag: number[];
      integrations_weekly: number[];
      north_star_weekly: number[];
    };
    ideal_users: { description: string; ideal: Record<string, number>; other: Record<string, number> };
    surveys: { pmf: number; nps: number; csat: number; responses: number };
    mrr_end: number;
  };
}

export async function generateDemo(opts: DemoOptions): Promise<DemoSummary> {
  const users = opts.users ?? DEFAULT_USERS;
  const weeks = opts.weeks ?? DEFAULT_WEEKS;
  if (!Number.isInteger(users) || users < 1) throw new InputError(`users: expected a whole number of signups ≥ 1, got ${users}`);
  if (users > 100_000_000) throw new InputError(`users: at most 100000000 signups, got ${users}`);
  if (!Number.isInteger(weeks) || weeks < MIN_WEEKS || weeks > 520) {
    throw new InputError(`weeks: expected a whole number between ${MIN_WEEKS} and 520, got ${weeks}`);
  }
  const seed = normalizeSeed(opts.seed ?? DEFAULT_SEED);
  const window = dataWindow(opts.endDate ?? DEFAULT_END_DATE, weeks);
  await mkdir(opts.outDir, { recursive: true });
  const files = {
    events: join(opts.outDir, 'events.ndjson'),
    subscriptions: join(opts.outDir, 'subscriptions.csv'),
    config: join(opts.outDir, 'truenorth.yaml'),
    manual: join(opts.outDir, 'manual.csv'),
  };

  const signupsPerDay = dailyVolumes(users, window.days, seed, PURPOSE.signupVolume);
  const visitorsPerDay = dailyVolumes(Math.round(users * NON_CONVERTING_VISITORS_PER_SIGNUP), window.days, seed, PURPOSE.visitorVolume);
  const campaign = new Float64Array(weeks);
  for (let w = 0; w < weeks; w++) {
    const u = mix32(hashKey(seed, PURPOSE.campaign, w)) / 4294967296;
    campaign[w] = CAMPAIGN_INTENSITY.lo + (CAMPAIGN_INTENSITY.hi - CAMPAIGN_INTENSITY.lo) * u;
  }
  const stats = new Stats(weeks);
  const timeline = new Timeline(window.startMs, window.endMs);
  const ids = new Ids(seed);
  const ledger: LedgerEntry[] = [];
  const ctx: DemoContext = {
    seed, users, window, ids, shapes: new Shapes(ids, timeline), stats, campaign,
    signupsPerDay, signupOffsets: offsets(signupsPerDay), visitorsPerDay, visitorOffsets: offsets(visitorsPerDay), ledger,
    quotas: {
      setup: quotas(seed, 4, 10), firstStrike: quotas(seed, 4, 20), kui: quotas(seed, 4, 30), upgrade: quotas(seed, 2, 40),
      search: quotas(seed, 64, 100), churn: quotas(seed, 65, 200), quiet: quotas(seed, 1, 5)[0],
    },
  };

  const events = new FileWriter(files.events);
  const subscriptions = new FileWriter(files.subscriptions);
  try {
    await subscriptions.write('account_id,effective_at,mrr,plan,currency\n');
    let live: UserState[] = [];
    let admittedDays = 0;
    for (let day = 0; day < window.days; day++) {
      timeline.begin(day);
      // Users join the simulation a few days before they sign up: their first visits come first.
      for (; admittedDays < window.days && admittedDays <= day + MAX_DAYS_VISIT_BEFORE_SIGNUP; admittedDays++) {
        for (let i = ctx.signupOffsets[admittedDays]; i < ctx.signupOffsets[admittedDays + 1]; i++) {
          live.push(planUser(ctx, i, admittedDays));
        }
      }
      visitorsForDay(ctx, day);
      let kept = 0;
      for (const u of live) {
        if (liveUserDay(ctx, u, day)) stats.addUser(outcome(ctx, u));
        else live[kept++] = u;
      }
      live.length = kept;
      await timeline.flush(events);
      await writeLedger(subscriptions, ledger);
      opts.onProgress?.(day + 1, window.days);
    }
    for (const u of live) stats.addUser(outcome(ctx, u));
    live = [];
    await events.close();
    await subscriptions.close();
  } catch (error) {
    events.destroy();
    subscriptions.destroy();
    throw error;
  }
  stats.lines = timeline.lines;

  const manual = manualRows(seed, users, window.startMs, weeks);
  const manualText = manualCsv(manual.rows);
  await writeFile(files.manual, manualText);
  const yamlText = configYaml(configTargets(stats, manual.cashNow), window.endMs);
  await writeFile(files.config, yamlText);

  return {
    outDir: opts.outDir,
    product: PRODUCT,
    seed,
    files,
    bytes: {
      events: events.bytes, subscriptions: subscriptions.bytes,
      config: Buffer.byteLength(yamlText), manual: Buffer.byteLength(manualText),
    },
    period: {
      start: isoDate(window.startMs), end: isoDate(window.endMs), weeks,
      first_week: isoWeekName(window.startMs), last_week: isoWeekName(window.endMs - WEEK_MS),
    },
    counts: {
      events: stats.lines, visitors: stats.visitors, signups: stats.signups, accounts: stats.signups,
      paying_accounts: stats.payingAccounts, ledger_rows: stats.ledgerRows, survey_answers: stats.surveyAnswers,
      manual_rows: manual.rows.length,
    },
    planted: planted(stats),
  };
}

function quotas(seed: number, n: number, base: number): Quota[] {
  return Array.from({ length: n }, (_, i) => new Quota(hashKey(seed, PURPOSE.quota, base + i)));
}

async function writeLedger(out: FileWriter, ledger: LedgerEntry[]): Promise<void> {
  if (ledger.length === 0) return;
  ledger.sort((a, b) => a.ts - b.ts);
  let chunk = '';
  for (const r of ledger) chunk += `${r.accountId},${isoTime(r.ts)},${r.mrr.toFixed(2)},${r.plan},USD\n`;
  ledger.length = 0;
  await out.write(chunk);
}

const round = (x: number, digits = 3) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : NaN);

function planted(stats: Stats): DemoSummary['planted'] {
  const wk = stats.weekly;
  // Weekly step conversions over the scorecard weeks (the last 13), as ratios of summed weekly counts.
  const from = Math.max(0, stats.weeks - 13);
  const sum = (s: Float64Array) => s.slice(from).reduce((a, b) => a + b, 0);
  const stages = ['visits', 'signup', 'setup', 'first_strike', 'kui', 'upgrade'] as const;
  const steps: StepFact[] = [];
  for (let i = 1; i < stages.length; i++) {
    const stage = stages[i] as keyof typeof TARGET_RATES;
    const actual = sum(wk[stages[i]]) / sum(wk[stages[i - 1]]);
    const target = TARGET_RATES[stage];
    steps.push({
      step: `${i === 1 ? 'visit' : stages[i - 1]} → ${stage}`, stage, target_rate: target,
      actual_rate: round(actual), ratio: round(target / actual, 2),
    });
  }
  const indicator = (split: Split, event: string, atLeast: number): IndicatorFact => {
    const users = split.did + split.didNot;
    const didRate = split.didRetained / split.did;
    const didNotRate = split.didNotRetained / split.didNot;
    return {
      event, at_least: atLeast, within_days: AHA_DAYS, outcome: 'retained in week 4', users,
      coverage: round(split.did / users), did: split.did, did_rate: round(didRate), did_not: split.didNot,
      did_not_rate: round(didNotRate), lift: round(didRate / didNotRate, 2), p_value: Number(twoProportionP(split).toPrecision(3)),
    };
  };
  const aha = indicator(stats.aha, 'Invite Sent', AHA_INVITES);
  const decoy = indicator(stats.decoy, 'Search Performed', 1);
  const correlation = [0, 1, 2, 3, 4].map((lag) => round(laggedCorrelation(wk.integrations, wk.northStar, lag, 1)));
  const changes = [0, 1, 2, 3, 4].map((lag) => round(laggedCorrelation(diff(wk.integrations), diff(wk.northStar), lag, 1)));
  const funnel = (f: SegmentFunnel) => ({
    signups: f.signups,
    setup: round(f.setup / f.signups), first_strike: round(f.firstStrike / f.setup),
    kui: round(f.kui / f.firstStrike), upgrade: round(f.upgrade / f.kui),
  });
  const nps = stats.nps.responses ? (stats.nps.promoters - stats.nps.detractors) / stats.nps.responses * 100 : NaN;
  return {
    bottleneck: {
      stage: 'setup',
      description: `Only ${pct(steps[1].actual_rate)} of signups create a workspace (target ${pct(TARGET_RATES.setup)}); every other step is at or above its target.`,
      steps,
    },
    aha_moment: {
      ...aha,
      description: `Users who send ≥ ${AHA_INVITES} invites in their first ${AHA_DAYS} days retain in week 4 ${aha.lift}× as often (${pct(aha.did_rate)} vs ${pct(aha.did_not_rate)}); ${pct(aha.coverage)} of signups do it.`,
    },
    decoy: {
      ...decoy,
      description: `${pct(decoy.coverage)} of signups search in their first week, but it does not predict retention (lift ${decoy.lift}×, p = ${decoy.p_value.toFixed(2)}).`,
    },
    driver: {
      metric: 'integrations_connected',
      leads_by_weeks: 1,
      description: `Integrations connected in a week raise the next week's North Star: users who connected one send ~${PLANTED_INTEGRATION_BOOST}× the messages the week after.`,
      correlation_by_lag: correlation,
      correlation_of_changes_by_lag: changes,
      integrations_weekly: Array.from(wk.integrations),
      north_star_weekly: Array.from(wk.northStar),
    },
    ideal_users: {
      description: 'Step conversions of signups, by profile (cohort view: every user counted once).',
      ideal: funnel(stats.funnel.ideal),
      other: funnel(stats.funnel.other),
    },
    surveys: {
      pmf: round(stats.pmf.veryDisappointed / stats.pmf.responses),
      nps: round(nps, 1),
      csat: round(stats.csat.satisfied / stats.csat.responses),
      responses: stats.surveyAnswers,
    },
    mrr_end: stats.mrrTotal(),
  };
}

/** Two-sided p-value of the difference between the did and did-not retention rates. */
function twoProportionP(split: Split): number {
  const n1 = split.did;
  const n2 = split.didNot;
  if (n1 === 0 || n2 === 0) return NaN;
  const pooled = (split.didRetained + split.didNotRetained) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  const z = Math.abs(split.didRetained / n1 - split.didNotRetained / n2) / se;
  return erfc(z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' erfcc, |error| < 1.2e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? y : 2 - y;
}

/** Week-over-week changes (first element 0, so weeks keep their index). */
function diff(series: Float64Array): Float64Array {
  const out = new Float64Array(series.length);
  for (let i = 1; i < series.length; i++) out[i] = series[i] - series[i - 1];
  return out;
}

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}
