import { capabilityGap, readerCapabilities } from '../engine/capabilities.js';
import type { StageDefinition } from '../model/metrics.js';
import type { Period } from '../model/time.js';
import { compileLiveKeys, compileWindowPrefix, reachDefinitions, reachKey, widestWindow, type LiveState, type WindowPrefix, type WindowPrefixRow } from '../query/plans/live.js';
import { compileStageCounts, type StageCountsQuery } from '../query/plans/stages.js';
import { run, type ReportContext } from './context.js';
import { keptPeriods, windowsOf } from './period-ranges.js';

/**
 * The live first-reach state of every definition these stages need, when the store keeps it (the
 * server builds it for its config; until then, and on an engine without it, reports read the events).
 */
export async function liveReach(ctx: ReportContext, stages: readonly StageDefinition[]): Promise<LiveState | undefined> {
  if (capabilityGap(readerCapabilities(ctx.engine), 'live_state') !== undefined) return undefined;
  const built = new Map((await run<{ def: string; watermark: number }>(ctx, compileLiveKeys())).map((r) => [r.def, Number(r.watermark)]));
  const needed = reachDefinitions(stages).map((d) => built.get(reachKey(d)));
  if (needed.length === 0 || needed.some((w) => w === undefined)) return undefined;
  return { folded: Math.min(...(needed as number[])) };
}

/**
 * Weekly stage counts (compileStageCounts' rows): first reaches from the live state where it is
 * built, and on a server the weeks (or each week's part up to a cut, `within`: pace's windows) kept
 * one by one (period-cache.ts) while no event lands in them or before them (a late event can move a
 * later week's first reaches) and no link or trait changes.
 */
export async function stageCountRows<T extends { period: string }>(ctx: ReportContext, q: Omit<StageCountsQuery, 'live'>): Promise<T[]> {
  const live = q.segment === 'all' ? await liveReach(ctx, q.stages) : undefined;
  const time = ctx.model.time;
  const periods = keptPeriods(q.range, 'week', time, q.within);
  if (!ctx.cache || !periods) return run<T>(ctx, compileStageCounts(ctx.query, { ...q, live }));
  const windowed = q.within !== undefined;
  let prefix: WindowPrefix | undefined;
  return ctx.cache.periods.run<T>(ctx.engine, {
    key: JSON.stringify({ stageCounts: q.stages, segment: q.segment, ideal: q.idealSplit ?? false, profile: ctx.model.idealUser, time, windowed }),
    periods,
    events: eventsOf(q.stages),
    prepare: async (missing) => { if (live && missing.length === 1) prefix = await windowPrefix(ctx, q.stages, missing[0], live); },
    compile: (range, parts) => compileStageCounts(ctx.query, {
      ...q, range, live, ...(windowed ? { within: windowsOf(parts) } : {}), ...(prefix?.cut === range.from ? { windowPrefix: prefix } : {}),
    }),
    people: true,
  });
}

const eventsOf = (stages: readonly StageDefinition[]) => stages.flatMap((s) => s.selector.events);

/**
 * What the stages counted within days of signup had reached before a period starts, kept as a
 * period is (dropped once an event lands before that start or who is who changes): when that period
 * alone is computed again (the current week, after a write), it reads its own events, not also its
 * windows' days before it.
 */
async function windowPrefix(ctx: ReportContext, stages: readonly StageDefinition[], period: Period, live: LiveState): Promise<WindowPrefix | undefined> {
  const reached = stages.filter((s) => s.stage !== 'visit');
  const widest = widestWindow(reached);
  if (widest === 0) return undefined;
  const rows = await ctx.cache!.periods.run<WindowPrefixRow>(ctx.engine, {
    key: JSON.stringify({ windowPrefix: reached, time: ctx.model.time }),
    periods: [{ ...period, from: period.from - widest, to: period.from }],
    events: eventsOf(reached),
    compile: () => compileWindowPrefix(ctx.query, reached, period.from, period.startDate, live),
    people: true,
    readOnly: true,
  });
  return { cut: period.from, rows };
}
