/**
 * The control state every server in front of one store shares: API keys, dashboard sessions, the
 * weekly digest's claims and the alerts fired. It lives in the store itself (DuckDB: engine/duckdb/control.ts;
 * ClickHouse: engine/clickhouse/control.ts), never in one process, so a second server sees what the
 * first one wrote. engine/open-store.ts picks the implementation with the engine.
 */
export type KeyKind = 'write' | 'secret';

/** A key as stored: its token is never stored, only the token's SHA-256 (hex). */
export interface StoredKey {
  /** The token's first characters, safe to show in lists and logs. */
  id: string;
  kind: KeyKind;
  name: string | null;
  hash: string;
  /** ISO 8601 instants. */
  created_at: string;
  revoked_at: string | null;
}

export interface KeyTable {
  /** Stores a new key; false when its id is taken. */
  insert(key: Omit<StoredKey, 'revoked_at'>): Promise<boolean>;
  /** Every key, revoked ones too, oldest first. */
  list(): Promise<StoredKey[]>;
  /** Marks the key revoked at `at` unless it already is (the first revocation stays); false when there is no such key. */
  revoke(id: string, at: string): Promise<boolean>;
}

/** A dashboard sign-in: the hash of its cookie's id stands for the hash of the key it was opened with. */
export interface StoredSession {
  idHash: string;
  tokenHash: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface SessionTable {
  open(session: StoredSession): Promise<void>;
  /** The open session of that id hash (closed ones are gone; expiry is the caller's to check). */
  find(idHash: string): Promise<StoredSession | undefined>;
  close(idHash: string): Promise<void>;
}

export interface DigestClaims {
  /**
   * Claims the sending of one week's digest to one target for `claimant`; true for exactly one of
   * the claimants (see each implementation for how the winner is settled).
   */
  claim(week: string, target: string, claimant: string): Promise<boolean>;
}

export interface AlertFirings {
  /**
   * Fires the alert condition `key` (kind, row, week) of `subject` (kind, row) at `at` (epoch ms) for
   * `claimant`: true for exactly one claimant, and only when the key never fired before and no other
   * key of the subject fired within `cooldownMs` before `at`.
   */
  fire(key: string, subject: string, claimant: string, at: number, cooldownMs: number): Promise<boolean>;
}

export interface ControlStore {
  readonly keys: KeyTable;
  readonly sessions: SessionTable;
  readonly digestClaims: DigestClaims;
  readonly alertFirings: AlertFirings;
  /** Whether other processes may change this state (several servers on one ClickHouse): the server then re-reads the keys on a timer. */
  readonly shared: boolean;
}
