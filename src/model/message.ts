/**
 * The internal form every inbound message (Segment or PostHog shape, HTTP or file) is normalised
 * into. Timestamps are epoch milliseconds, UTC.
 */
export type JsonObject = { [key: string]: unknown };

/** A countable product event (track, page, screen, $pageview, a PostHog custom event). */
export interface TrackedEvent {
  kind: 'event';
  id: string;
  event: string;
  timestamp: number;
  userId: string | null;
  anonymousId: string | null;
  accountId: string | null;
  properties: JsonObject;
}

/**
 * An identity message (identify, group, alias, $identify, $groupidentify, $set, $create_alias).
 * Not counted as an event; it links ids and updates traits.
 */
export interface IdentityMessage {
  kind: 'identify' | 'group' | 'alias';
  id: string;
  timestamp: number;
  userId: string | null;
  anonymousId: string | null;
  /** For `group`: the account the user belongs to. */
  accountId: string | null;
  /** identify: user traits (set, latest wins); group: account traits. */
  traits: JsonObject;
  /** identify: traits written only where the person has no value yet (PostHog `$set_once`). */
  setOnce?: JsonObject;
  /** identify: traits removed (PostHog `$unset`). */
  unset?: string[];
}

export type NormalizedMessage = TrackedEvent | IdentityMessage;

/** An anonymous id (or an aliased previous id) that belongs to a user, retroactively. */
export interface IdentityLink {
  anonymousId: string;
  userId: string;
  linkedAt: number;
}

/** One row of the subscription ledger (docs/import.md, the subscription ledger): MRR after the change, monthly, major units. */
export interface LedgerRow {
  accountId: string;
  effectiveAt: number;
  mrr: number;
  plan: string | null;
  currency: string | null;
}
