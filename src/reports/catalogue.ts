/**
 * The event catalogue: every event name the store holds with its count, distinct senders, first and
 * last time seen, sources and most common property keys; and the user and account trait keys.
 * `truenorth events`, `GET /api/v1/events` and the dashboard's Data page show this one object.
 */
import { capabilityGap, readerCapabilities } from '../engine/capabilities.js';
import { readKeptCatalogue } from '../engine/catalogue.js';
import { compileEventActors, compileEventCatalogue, compileEventTotal, compilePropertyKeys, compileTraitKeys } from '../query/plans/catalogue.js';
import { run, type ReportContext } from './context.js';

/**
 * Up to this many events, distinct senders are counted exactly (a scan of at most this many rows);
 * above, estimated (HyperLogLog).
 */
export const EXACT_DISTINCT_LIMIT = 1_000_000;
/**
 * Where the catalogue is not kept at write time, property keys are read from about this many events
 * of each name (every event of a rarer name). A kept catalogue counts them over every event.
 */
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
  /** False above EXACT_DISTINCT_LIMIT events: `actors` is then an estimate (within about 3 %). */
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

type KeysByEvent = Map<string, { sampled: number; properties: PropertyKey[] }>;

/** Per event name: how many events the keys were read from, and its most common keys. */
function topKeys(rows: readonly KeyRow[]): KeysByEvent {
  const sampled = new Map<string, number>();
  for (const r of rows) if (r.key === null) sampled.set(r.event, Number(r.n));
  const keys = new Map<string, PropertyKey[]>();
  for (const r of rows) {
    if (r.key === null) continue;
    const list = keys.get(r.event) ?? [];
    list.push({ key: r.key, share: Number(r.n) / (sampled.get(r.event) || 1) });
    keys.set(r.event, list);
  }
  const out: KeysByEvent = new Map();
  for (const [event, n] of sampled) {
    const properties = (keys.get(event) ?? []).sort((a, b) => b.share - a.share || a.key.localeCompare(b.key)).slice(0, TOP_PROPERTY_KEYS);
    out.set(event, { sampled: n, properties });
  }
  return out;
}

interface Gathered { total: number; exact: boolean; rows: EventRow[]; keys: KeysByEvent; traits?: Record<'users' | 'accounts', TraitKey[]> }

/** From the summary kept at write time, where the store keeps one (engine/catalogue.ts). */
async function fromSummary(ctx: ReportContext): Promise<Gathered | null> {
  if (capabilityGap(readerCapabilities(ctx.engine), 'catalogue_summary') !== undefined) return null;
  const summary = await readKeptCatalogue(ctx.engine);
  const exact = summary.total <= EXACT_DISTINCT_LIMIT;
  const actors = exact
    ? new Map((await run<{ event: string; actors: number }>(ctx, compileEventActors())).map((r) => [r.event, Number(r.actors)]))
    : summary.senders;
  const rows = summary.events.map((e) => ({ ...e, actors: actors.get(e.event) ?? 0 }));
  // Every event of a name was read: the name's count is its "sample".
  const keyRows: KeyRow[] = [...summary.events.map((e) => ({ event: e.event, key: null, n: e.n })), ...summary.keys];
  return { total: summary.total, exact, rows, keys: topKeys(keyRows), traits: summary.traits };
}

/** Elsewhere: aggregates over the events table, property keys from a deterministic sample. */
async function fromEvents(ctx: ReportContext): Promise<Gathered> {
  const [{ n: total }] = await run<{ n: number }>(ctx, compileEventTotal());
  const exact = Number(total) <= EXACT_DISTINCT_LIMIT;
  const rows = await run<EventRow>(ctx, compileEventCatalogue(ctx.query, exact));
  const keys = rows.length ? topKeys(await run<KeyRow>(ctx, compilePropertyKeys(ctx.query, sampleSteps(rows)))) : new Map();
  return { total: Number(total), exact, rows, keys };
}

export async function eventCatalogue(ctx: ReportContext): Promise<EventCatalogue> {
  const { total, exact, rows, keys, traits: kept } = (await fromSummary(ctx)) ?? (await fromEvents(ctx));
  const traits = async (table: 'users' | 'accounts') => kept?.[table]
    ?? (await run<{ key: string; n: number }>(ctx, compileTraitKeys(ctx.query, table))).map((r) => ({ key: r.key, count: Number(r.n) }));
  return {
    total_events: total,
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
