import type { ControlStore, KeyKind, StoredKey } from '../control.js';
import { onReader, type SqlEngine } from '../sql-engine.js';
import type { DuckDbStore } from './database.js';
import type { WriteQueue } from './write-queue.js';

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : value == null ? null : String(value));

/**
 * The control state in the DuckDB file (tables `api_keys`, `dashboard_sessions`, `digest_claims`, `alert_firings`).
 * With `lane` (a server) writes join its group commits and reads use a reader beside the writer;
 * without it (the CLI) both run on the store at once. One process holds the file, so it is not shared.
 */
export function duckDbControl(store: DuckDbStore, lane?: WriteQueue): ControlStore {
  const write = <T>(work: (s: DuckDbStore) => Promise<T>): Promise<T> => (lane ? lane.run(work) : work(store));
  const read = <T>(work: (engine: Pick<SqlEngine, 'all'>) => Promise<T>): Promise<T> => (lane ? onReader(store, work) : work(store));
  return {
    shared: false,
    keys: {
      insert: (key) => write(async (s) => {
        const taken = await s.all('SELECT 1 FROM api_keys WHERE id = $id', { id: key.id });
        if (taken.length > 0) return false;
        await s.run('INSERT INTO api_keys VALUES ($id, $kind, $name, $hash, $created::TIMESTAMP, NULL)', {
          id: key.id, kind: key.kind, name: key.name, hash: key.hash, created: key.created_at,
        });
        return true;
      }),
      list: () => read(async (engine) => {
        const rows = await engine.all<{ id: string; kind: KeyKind; name: string | null; hash: string; created_at: unknown; revoked_at: unknown }>(
          'SELECT id, kind, name, hash, created_at, revoked_at FROM api_keys ORDER BY created_at, id',
        );
        return rows.map((r): StoredKey => ({ ...r, created_at: iso(r.created_at)!, revoked_at: iso(r.revoked_at) }));
      }),
      revoke: (id, at) => write(async (s) => {
        const rows = await s.all('SELECT 1 FROM api_keys WHERE id = $id', { id });
        if (rows.length === 0) return false;
        await s.run('UPDATE api_keys SET revoked_at = coalesce(revoked_at, $at::TIMESTAMP) WHERE id = $id', { id, at });
        return true;
      }),
    },
    sessions: {
      open: (session) => write(async (s) => {
        // Expired sign-ins go as new ones come.
        await s.run('DELETE FROM dashboard_sessions WHERE expires_at < now()::TIMESTAMP');
        await s.run('INSERT INTO dashboard_sessions VALUES ($id, $token, make_timestamp($expires::BIGINT * 1000))', {
          id: session.idHash, token: session.tokenHash, expires: session.expiresAt,
        });
      }),
      find: (idHash) => read(async (engine) => {
        const rows = await engine.all<{ token_hash: string; expires: number }>(
          'SELECT token_hash, epoch_ms(expires_at) AS expires FROM dashboard_sessions WHERE id_hash = $id', { id: idHash },
        );
        return rows[0] ? { idHash, tokenHash: rows[0].token_hash, expiresAt: Number(rows[0].expires) } : undefined;
      }),
      close: (idHash) => write(async (s) => {
        await s.run('DELETE FROM dashboard_sessions WHERE id_hash = $id', { id: idHash });
      }),
    },
    digestClaims: {
      claim: (week, target, claimant) => write(async (s) => {
        const rows = await s.all(
          'INSERT INTO digest_claims VALUES ($week, $target, $claimant, now()::TIMESTAMP) ON CONFLICT DO NOTHING RETURNING claimant',
          { week, target, claimant },
        );
        return rows.length === 1;
      }),
    },
    alertFirings: {
      fire: (key, subject, claimant, at, cooldownMs) => write(async (s) => {
        const recent = await s.all(
          'SELECT 1 FROM alert_firings WHERE subject = $subject AND key <> $key AND fired_at > make_timestamp($since::BIGINT * 1000)',
          { subject, key, since: at - cooldownMs },
        );
        if (recent.length > 0) return false;
        const rows = await s.all(
          'INSERT INTO alert_firings VALUES ($key, $subject, $claimant, make_timestamp($at::BIGINT * 1000)) ON CONFLICT DO NOTHING RETURNING claimant',
          { key, subject, claimant, at },
        );
        return rows.length === 1;
      }),
    },
  };
}
