/**
 * The event catalogue: every event name the store holds with its count, distinct senders, first and
 * last time seen, sources and most common property keys; and the user and account trait keys.
 * `truenorth events`, `GET /api/v1/events` and the dashboard's Data page show this one object.
 */
import { compileEventCatalogue, compileEventTotal, compilePropertyKeys, compileTraitKeys } from '../query/plans/catalogue.js';
import { run, type ReportContext } from './context.js';

/** Up to this many events, distinct senders are counted exactly; above, estimated (HyperLogLog). */
export const EXACT_DISTINCT_LIMIT = 10_000_000;
/** Property keys are read from about this many events of each name (every event of a rarer name). */
export const PROPERTY_SAMPLE_PER_EVENT = 10_000;
/** Property keys listed per event, most common first. */
export const TOP_PROPERTY_KEYS = 50;

export interface PropertyKey {
  key: string;
  /** Share of the sampled events of this name that carry the key (0–1). */
  share: number;
}

export interface CatalogueEvent {
  event: string;
  count: number;
  /** Distinct ids that sent it: the user id, else the anonymous id, as sent (before identity links merge them). */
  actors: number;
  first_seen: string;
  last_seen: string;
  sources: string[];
  /** How many of its events the property keys were read from. */
  sampled: number;
  properties: PropertyKey[];
}

export interface TraitKey {
  key: string;
  /** Users (or accounts) whose current traits have the key. */
  count: number;
}

export interface EventCatalogue {
  total_events: number;
  /** False above EXACT_DISTINCT_LIMIT events: `actors` is then an estimate (within about 2 %). */
  actors_exact: boolean;
  property_sample_per_event: number;
  events: CatalogueEvent[];
  user_traits: TraitKey[];
  account_traits: TraitKey[];
}

interface EventRow { event: string; n: number; actors: number; first_ms: number; last_ms: number; sources: string[] }
interface KeyRow { event: string; key: string | null; n: number }

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/** Per event name with more events than the sample size: the hash step that keeps about that many. */
function sampleSteps(rows: readonly EventRow[]): Map<string, number> {
  const steps = new Map<string, number>();
  for (const r of rows) if (Number(r.n) > PROPERTY_SAMPLE_PER_EVENT) steps.set(r.event, Math.floor(Number(r.n) / PROPERTY_SAMPLE_PER_EVENT));
  return steps;
}

function topKeys(rows: readonly KeyRow[]): Map<string, { sampled: number; properties: PropertyKey[] }> {
  const sampled = new Map<string, number>();
  for (const r of rows) if (r.key === null) sampled.set(r.event, Number(r.n));
  const keys = new Map<string, PropertyKey[]>();
  for (const r of rows) {
    if (r.key === null) continue;
    const list = keys.get(r.event) ?? [];
    list.push({ key: r.key, share: Number(r.n) / (sampled.get(r.event) || 1) });
    keys.set(r.event, list);
  }
  const out = new Map<string, { sampled: number; properties: PropertyKey[] }>();
  for (const [event, n] of sampled) {
    const properties = (keys.get(event) ?? []).sort((a, b) => b.share - a.share || a.key.localeCompare(b.key)).slice(0, TOP_PROPERTY_KEYS);
    out.set(event, { sampled: n, properties });
  }
  return out;
}

export async function eventCatalogue(ctx: ReportContext): Promise<EventCatalogue> {
  const [{ n: total }] = await run<{ n: number }>(ctx, compileEventTotal());
  const exact = Number(total) <= EXACT_DISTINCT_LIMIT;
  const rows = await run<EventRow>(ctx, compileEventCatalogue(ctx.query, exact));
  const keys = rows.length ? topKeys(await run<KeyRow>(ctx, compilePropertyKeys(ctx.query, sampleSteps(rows)))) : new Map();
  const traits = async (table: 'users' | 'accounts') =>
    (await run<{ key: string; n: number }>(ctx, compileTraitKeys(ctx.query, table))).map((r) => ({ key: r.key, count: Number(r.n) }));
  return {
    total_events: Number(total),
    actors_exact: exact,
    property_sample_per_event: PROPERTY_SAMPLE_PER_EVENT,
    events: rows.map((r) => ({
      event: r.event,
      count: Number(r.n),
      actors: Number(r.actors),
      first_seen: iso(r.first_ms),
      last_seen: iso(r.last_ms),
      sources: [...r.sources],
      sampled: keys.get(r.event)?.sampled ?? 0,
      properties: keys.get(r.event)?.properties ?? [],
    })),
    user_traits: await traits('users'),
    account_traits: await traits('accounts'),
  };
}
