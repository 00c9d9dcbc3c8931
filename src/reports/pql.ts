import { STAGES, type StageName, type TimeRange } from '../model/metrics.js';
import { periodsIn } from '../model/time.js';
import { compileStageReach } from '../query/plans/stages.js';
import { run, type ReportContext } from './context.js';
import { distribution, ratio, type Distribution } from './funnel.js';

export interface Pql {
  actor: string;
  account: string | null;
  qualified_at: string;
  /** When the user's traits started to fit the ideal user profile (null: no trait history). */
  ideal_at: string | null;
  setup_at: string;
  first_strike_at: string;
  kui_at: string;
  upgraded_at: string | null;
}

export interface PqlReport {
  pqls: Pql[];
  /** PQLs who upgraded (at any time) ÷ PQLs; 30–50 % is the usual range (docs/concepts.md). */
  upgrade_rate: number | null;
  weeks: { week: string; ideal_signups: number; pqls: number; ideal_upgrades: number }[];
  missing_stages: StageName[];
}

/** Every stage from signup on: the PQL path. */
const PQL_STAGES: StageName[] = STAGES.filter((s) => s !== 'visit');
type ReachRow = { actor_id: string; account_id: string | null; ideal_since?: number | null } & Partial<Record<StageName, number | null>>;

async function idealReach(ctx: ReportContext): Promise<ReachRow[]> {
  const stages = ctx.model.journey.filter((s) => PQL_STAGES.includes(s.stage));
  return run<ReachRow>(ctx, compileStageReach(ctx.query, stages, 'ideal', true));
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * PQL = ideal user ∧ setup done ∧ first strike ∧ KUI hit; qualified when the last of the four became
 * true: the ideal user profile counts from when the user's traits started to fit it (docs/identity.md).
 */
export async function pqlReport(ctx: ReportContext, range: TimeRange): Promise<PqlReport> {
  const configured = new Set(ctx.model.journey.map((s) => s.stage));
  const missing = (['setup', 'first_strike', 'kui'] as StageName[]).filter((s) => !configured.has(s));
  const weeks = periodsIn(range, 'week', ctx.model.time);
  if (!ctx.model.idealUser || missing.length > 0) {
    return { pqls: [], upgrade_rate: null, weeks: weeks.map((w) => ({ week: w.name, ideal_signups: 0, pqls: 0, ideal_upgrades: 0 })), missing_stages: missing };
  }
  const rows = await idealReach(ctx);
  const all: Pql[] = [];
  for (const r of rows) {
    if (r.setup == null || r.first_strike == null || r.kui == null) continue;
    // A store written before trait history was kept has none: the profile then adds no instant.
    const qualified = Math.max(r.setup, r.first_strike, r.kui, r.ideal_since ?? -Infinity);
    all.push({
      actor: r.actor_id, account: r.account_id, qualified_at: iso(qualified), ideal_at: r.ideal_since == null ? null : iso(r.ideal_since), setup_at: iso(r.setup),
      first_strike_at: iso(r.first_strike), kui_at: iso(r.kui), upgraded_at: r.upgrade == null ? null : iso(r.upgrade),
    });
  }
  const inRange = all.filter((p) => { const t = Date.parse(p.qualified_at); return t >= range.from && t < range.to; });
  inRange.sort((a, b) => a.qualified_at.localeCompare(b.qualified_at) || a.actor.localeCompare(b.actor));
  const within = (t: number | null | undefined, w: { from: number; to: number }) => t != null && t >= w.from && t < w.to;
  return {
    pqls: inRange,
    upgrade_rate: ratio(inRange.filter((p) => p.upgraded_at !== null).length, inRange.length),
    weeks: weeks.map((w) => ({
      week: w.name,
      ideal_signups: rows.filter((r) => within(r.signup, w)).length,
      pqls: inRange.filter((p) => within(Date.parse(p.qualified_at), w)).length,
      ideal_upgrades: rows.filter((r) => within(r.upgrade, w)).length,
    })),
    missing_stages: [],
  };
}

/** Signup → first strike, from each actor's first-time reach of both (time to value, docs/concepts.md). */
export async function signupToFirstStrike(ctx: ReportContext, range: TimeRange): Promise<Distribution | null> {
  const stages = ctx.model.journey.filter((s) => s.stage === 'signup' || s.stage === 'first_strike');
  if (stages.length < 2) return null;
  const rows = await run<ReachRow>(ctx, compileStageReach(ctx.query, stages, 'all'));
  const deltas = rows
    .filter((r) => r.signup != null && r.first_strike != null && r.first_strike >= r.signup && r.signup >= range.from && r.signup < range.to)
    .map((r) => r.first_strike! - r.signup!);
  return distribution(deltas);
}
