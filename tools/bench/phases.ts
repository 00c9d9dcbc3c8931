/**
 * One bench phase, run in a child process of its own (`… phase '<json>'`), so the peak
 * RSS it reports (`process.resourceUsage().maxRSS`) belongs to that phase alone: imports, HTTP
 * ingestion, or the reports of one engine.
 */
import { httpBaseline, httpPhase } from './http-phases.js';
import { importBaseline, importPhase } from './import-phases.js';
import { fresh, seconds, type PhaseResult, type PhaseSpec } from './phase-protocol.js';
import { reportsPhase } from './report-phase.js';
import { tileDuckDbStore } from './tile.js';

export async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const result = await phase(spec);
  return { ...result, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) } as PhaseResult;
}

type WithoutRss<T> = T extends unknown ? Omit<T, 'max_rss_mb'> : never;

async function phase(spec: PhaseSpec): Promise<WithoutRss<PhaseResult>> {
  switch (spec.kind) {
    case 'import': return { kind: spec.kind, ...(await importPhase(spec)) };
    case 'import-baseline': return { kind: spec.kind, ...(await importBaseline(spec)) };
    case 'http': return { kind: spec.kind, ...(await httpPhase(spec)) };
    case 'http-baseline': return { kind: spec.kind, ...(await httpBaseline(spec)) };
    case 'reports': return { kind: spec.kind, ...(await reportsPhase(spec)) };
    case 'tile': {
      fresh(spec.db);
      const start = performance.now();
      const { events } = await tileDuckDbStore(spec.source, spec.db, spec.copies);
      return { kind: spec.kind, seconds: seconds(start), events };
    }
  }
}
