import { capabilityGap, readerCapabilities } from '../engine/capabilities.js';
import type { StageDefinition } from '../model/metrics.js';
import { compileLiveKeys, reachDefinitions, reachKey } from '../query/plans/live.js';
import { run, type ReportContext } from './context.js';

/**
 * Whether the store keeps the live first-reach state of every definition these stages need (the
 * server builds it for its config; until then, and on an engine without it, reports read the events).
 */
export async function liveReachReady(ctx: ReportContext, stages: readonly StageDefinition[]): Promise<boolean> {
  if (capabilityGap(readerCapabilities(ctx.engine), 'live_state') !== undefined) return false;
  const built = new Set((await run<{ def: string }>(ctx, compileLiveKeys())).map((r) => r.def));
  const needed = reachDefinitions(stages);
  return needed.length > 0 && needed.every((d) => built.has(reachKey(d)));
}
