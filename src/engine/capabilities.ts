import type { Dialect, SqlEngine } from './sql-engine.js';

/**
 * What a store can do beyond answering report queries. Every engine declares each one: `true`, or
 * the reason it is missing and what to do instead (the server answers 501 with that reason).
 */
export const CAPABILITIES = [
  /** Messages from the ingestion routes, acknowledged once durable. */
  'ingest',
  /** Event, subscription-ledger and hand-entry files imported by the CLI. */
  'import',
  /** Imports and hand entries through the server (DuckDB queues them among ingestion's group commits). */
  'write_lane',
  /** The team's tables: OKR check-ins, review notes and the ideas board. */
  'team_tables',
  /** Every stored event written out to a file (the CLI's export, and through the server). */
  'export_events',
  /** The event catalogue kept at write time instead of aggregated from the events. */
  'catalogue_summary',
  /** The subscription ledger written from Stripe webhooks and the Stripe history import. */
  'stripe',
  /** Each person's first reach of the journey's stages kept at write time, so the scorecard reads no old events. */
  'live_state',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** `true`, or why the store lacks the capability (a clause that ends with what to do instead). */
export type Support = true | { readonly gap: string };

export type Capabilities = { readonly [C in Capability]: Support };

/** Each engine's capabilities: the one place that decides them. */
export const ENGINE_CAPABILITIES: { readonly [D in Dialect]: Capabilities } = {
  duckdb: {
    ingest: true, import: true, write_lane: true, team_tables: true, export_events: true, catalogue_summary: true, stripe: true, live_state: true,
  },
  clickhouse: {
    ingest: true, import: true, write_lane: true, team_tables: true, export_events: true, catalogue_summary: true, stripe: true,
    live_state: { gap: 'the first-reach state is kept on DuckDB only; ClickHouse computes every report from the events each time, which answers the same, more slowly' },
  },
};

/** Why `capabilities` lack `need`; undefined when they have it. */
export function capabilityGap(capabilities: Capabilities, need: Capability): string | undefined {
  const support = capabilities[need];
  return support === true ? undefined : support.gap;
}

/** The first of `needs` the capabilities lack, with its reason. */
export function firstGap(capabilities: Capabilities, needs: readonly Capability[]): { capability: Capability; reason: string } | undefined {
  for (const capability of needs) {
    const reason = capabilityGap(capabilities, capability);
    if (reason !== undefined) return { capability, reason };
  }
  return undefined;
}

/** Every capability missing, with its reason. */
export function capabilityGaps(capabilities: Capabilities): Partial<Record<Capability, string>> {
  const gaps: Partial<Record<Capability, string>> = {};
  for (const capability of CAPABILITIES) {
    const reason = capabilityGap(capabilities, capability);
    if (reason !== undefined) gaps[capability] = reason;
  }
  return gaps;
}

/** What the engine a report reads on can do (a reader, or a replay of one, carries its dialect). */
export function readerCapabilities(engine: Pick<SqlEngine, 'dialect'>): Capabilities {
  return ENGINE_CAPABILITIES[engine.dialect];
}
