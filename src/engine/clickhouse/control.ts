import type { ControlStore, KeyKind, StoredKey } from '../control.js';
import { chTimestamp } from './connection.js';
import type { ClickHouseStore } from './store.js';
import { nextSeq } from './values.js';

/** How long a digest claim waits before reading back the earliest one (see `claim`). */
export const DIGEST_CLAIM_SETTLE_MS = 2_000;

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : value == null ? null : String(value));
const ms = (isoText: string) => chTimestamp(Date.parse(isoText));

/**
 * The control state in ClickHouse (schema version 6), shared by every server on the database. A
 * key's revocation and a session's closing are new rows of its id with a higher `written`, read
 * with FINAL, so two servers writing the same id converge on the last write.
 */
export function clickHouseControl(store: ClickHouseStore, options: { claimSettleMs?: number } = {}): ControlStore {
  const c = store.connection;
  const currentKey = async (id: string) => {
    const rows = await c.query('SELECT id, kind, name, hash, created_at, revoked_at FROM tn_api_keys FINAL WHERE id = {id:String}', { id });
    return rows[0] as { id: string; kind: KeyKind; name: string | null; hash: string; created_at: Date; revoked_at: Date | null } | undefined;
  };
  return {
    shared: true,
    keys: {
      // Ids carry about 48 random bits: two servers picking the same one at once is not a case to handle.
      insert: async (key) => {
        if (await currentKey(key.id)) return false;
        await c.insert('tn_api_keys', [{ ...key, created_at: ms(key.created_at), revoked_at: null, written: nextSeq() }]);
        return true;
      },
      list: async () => {
        const rows = await c.query('SELECT id, kind, name, hash, created_at, revoked_at FROM tn_api_keys FINAL ORDER BY created_at, id');
        return rows.map((r) => ({ ...r, created_at: iso(r.created_at)!, revoked_at: iso(r.revoked_at) }) as StoredKey);
      },
      revoke: async (id, at) => {
        const key = await currentKey(id);
        if (!key) return false;
        if (key.revoked_at === null) {
          await c.insert('tn_api_keys', [{ ...key, created_at: chTimestamp(key.created_at.getTime()), revoked_at: ms(at), written: nextSeq() }]);
        }
        return true;
      },
    },
    sessions: {
      open: async (s) => {
        await c.insert('tn_dashboard_sessions', [{ id_hash: s.idHash, token_hash: s.tokenHash, expires_at: chTimestamp(s.expiresAt), closed: 0, written: nextSeq() }]);
      },
      find: async (idHash) => {
        // `closed` is checked after FINAL has picked the last row, never filtered before it.
        const rows = await c.query('SELECT token_hash, expires_at, closed FROM tn_dashboard_sessions FINAL WHERE id_hash = {id:String}', { id: idHash });
        const row = rows[0] as { token_hash: string; expires_at: Date; closed: number } | undefined;
        return row && row.closed === 0 ? { idHash, tokenHash: row.token_hash, expiresAt: row.expires_at.getTime() } : undefined;
      },
      close: async (idHash) => {
        await c.insert('tn_dashboard_sessions', [{ id_hash: idHash, token_hash: '', expires_at: chTimestamp(Date.now()), closed: 1, written: nextSeq() }]);
      },
    },
    digestClaims: {
      /**
       * Inserts a claim stamped by ClickHouse's clock, waits `claimSettleMs`, then reads the earliest
       * claim (ties: the smaller claimant): every claimant reads the same winner unless an insert
       * takes longer than the wait to become visible (see docs/clickhouse.md, "Several servers").
       */
      claim: async (week, target, claimant) => {
        await c.command(
          'INSERT INTO tn_digest_claims (week, target, claimant, claimed_at) SELECT {week:String}, {target:String}, {claimant:String}, now64(6)',
          { week, target, claimant },
        );
        await new Promise((resolve) => setTimeout(resolve, options.claimSettleMs ?? DIGEST_CLAIM_SETTLE_MS));
        const rows = await c.query(
          'SELECT claimant FROM tn_digest_claims WHERE week = {week:String} AND target = {target:String} ORDER BY claimed_at, claimant LIMIT 1',
          { week, target },
        );
        return rows[0]?.claimant === claimant;
      },
    },
    alertFirings: {
      /** A key that fired before, or another key of the subject within the cooldown: no. Else as a digest claim. */
      fire: async (key, subject, claimant, at, cooldownMs) => {
        const before = await c.query(
          `SELECT 1 FROM tn_alert_firings WHERE subject = {subject:String}
            AND (key = {key:String} OR fired_at > fromUnixTimestamp64Milli({since:Int64}, 'UTC')) LIMIT 1`,
          { subject, key, since: at - cooldownMs },
        );
        if (before.length > 0) return false;
        await c.command(
          `INSERT INTO tn_alert_firings (key, subject, claimant, fired_at, claimed_at)
            SELECT {key:String}, {subject:String}, {claimant:String}, fromUnixTimestamp64Milli({at:Int64}, 'UTC'), now64(6)`,
          { key, subject, claimant, at },
        );
        await new Promise((resolve) => setTimeout(resolve, options.claimSettleMs ?? DIGEST_CLAIM_SETTLE_MS));
        const rows = await c.query(
          'SELECT claimant FROM tn_alert_firings WHERE key = {key:String} ORDER BY claimed_at, claimant LIMIT 1', { key },
        );
        return rows[0]?.claimant === claimant;
      },
    },
  };
}
