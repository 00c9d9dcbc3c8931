/**
 * Flags (CLI) or query parameters (read API) → the leading-indicator, metric-tree, churn-risk and
 * predictive reports. `truenorth leading|tree|risk|predictive --json` and `GET /api/v1/<name>` return
 * the same objects through these functions.
 */
import type { Config } from '../config/schema/index.js';
import { InputError } from '../errors.js';
import { lastPeriods, MAX_RANGE_DAYS, parseDuration } from '../model/time.js';
import type { ReportContext } from './context.js';
import { DEFAULT_MIN_GROUP, leadingReport, type LeadingReport, type OutcomeKind } from './leading.js';
import { parseSegment, resolveRange, type ReportFlags } from './params.js';
import { predictiveReport, type PredictiveReport } from './predictive.js';
import { qualityReport } from './quality.js';
import { riskReport, type RiskReport } from './risk.js';
import { treeReport, type TreeReport } from './tree.js';

export interface LeadingFlags extends ReportFlags {
  outcome?: string;
  within?: string;
  minUsers?: string;
  /** Event names to leave out, comma-separated (or repeated). */
  exclude?: string | string[];
}

/** Weeks the tree covers by default: enough weekly changes for lags up to 4. */
export const TREE_WEEKS = 26;
export const PREDICTIVE_WEEKS = 13;

export function parseOutcome(text: string | undefined): OutcomeKind {
  if (text === undefined || text === 'retained') return 'retained';
  if (text === 'upgraded') return 'upgraded';
  throw new InputError(`--outcome: expected retained or upgraded, got ${JSON.stringify(text)}`);
}

export function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`--${flag}: expected a whole number ≥ 1, got ${JSON.stringify(text)}`);
  return n;
}

function excludeList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export async function runLeading(ctx: ReportContext, flags: LeadingFlags): Promise<LeadingReport> {
  let within: number | undefined;
  try {
    within = flags.within === undefined ? undefined : parseDuration(flags.within).days;
  } catch (e) {
    throw new InputError(`--within: ${(e as Error).message}`);
  }
  if (within !== undefined && within > MAX_RANGE_DAYS) throw new InputError(`--within: at most ${MAX_RANGE_DAYS} days, got ${JSON.stringify(flags.within)}`);
  // --from/--to restrict the signup cohort (weeks of first signup).
  const signupRange = flags.from || flags.to ? resolveRange(flags, ctx.model, ctx.asOf, 'week') : undefined;
  return leadingReport(ctx, {
    outcome: parseOutcome(flags.outcome),
    withinDays: within,
    segment: parseSegment(flags.segment),
    signupRange,
    exclude: excludeList(flags.exclude),
    minGroup: positiveInteger('min-users', flags.minUsers, DEFAULT_MIN_GROUP),
  });
}

export async function runTree(ctx: ReportContext, flags: ReportFlags): Promise<TreeReport> {
  const range = flags.from || flags.to
    ? resolveRange(flags, ctx.model, ctx.asOf, 'week', TREE_WEEKS)
    : lastPeriods(ctx.asOf, 'week', TREE_WEEKS, ctx.model.time, true);
  return treeReport(ctx, range);
}

export async function runRisk(ctx: ReportContext): Promise<RiskReport> {
  return riskReport(ctx);
}

export async function runPredictive(ctx: ReportContext, flags: ReportFlags): Promise<PredictiveReport> {
  return predictiveReport(ctx, resolveRange(flags, ctx.model, ctx.asOf, 'week', PREDICTIVE_WEEKS), parseSegment(flags.segment));
}

type Flags = ReportFlags & Record<string, string | boolean | undefined>;

/** Read-API routes, shaped like the server's `ReadRoute` (`GET /api/v1/<name>`). */
export const BEYOND_READ_ROUTES: { name: string; summary: string; params: string[]; run(ctx: ReportContext, flags: Flags, config?: Config): Promise<unknown> }[] = [
  {
    name: 'leading',
    summary: 'Leading indicators (aha moments): early behaviours that predict retention or upgrade',
    params: ['outcome', 'within', 'segment', 'from', 'to', 'as_of', 'min_users', 'exclude'],
    run: (ctx, flags) => runLeading(ctx, flags as LeadingFlags),
  },
  {
    name: 'tree',
    summary: 'The metric tree: every drives: edge with the correlation of the weekly series at lags 0–4 weeks',
    params: ['from', 'to', 'as_of'],
    run: (ctx, flags) => runTree(ctx, flags),
  },
  {
    name: 'risk',
    summary: 'Paying accounts at churn risk, ranked, with the MRR at risk and the rules they trip',
    params: ['as_of'],
    run: (ctx) => runRisk(ctx),
  },
  {
    name: 'predictive',
    summary: 'Leading indicators next to the lagging indicators they predict (the predictive dashboard)',
    params: ['from', 'to', 'as_of', 'segment'],
    run: (ctx, flags) => runPredictive(ctx, flags),
  },
  {
    name: 'quality',
    summary: 'Data quality: rejected messages by reason and source, clock-skew corrections, future timestamps clamped, duplicates (7 days, all time), and the config\'s event names the store does not hold',
    params: ['as_of'],
    run: (ctx, _flags, config) => qualityReport(ctx, config),
  },
];
