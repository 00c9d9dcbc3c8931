import { appendNullable, appendRows, timestampValue } from '../duckdb/append-rows.js';
import type { DuckDbStore } from '../duckdb/database.js';
import type { SqlEngine } from '../sql-engine.js';
import { chTimestamp } from './connection.js';

/** Events read per request: pages in (ts, id) order, each starting after the last one read. */
const PAGE = 50_000;

interface StoredEvent {
  id: string; event: string; ts: Date; user_id: string | null; anonymous_id: string | null; account_id: string | null;
  properties: string; received_at: Date; source: string;
}

/**
 * Copies every stored event of a ClickHouse reader (the deduplicated `events` view) into the
 * `events` table of a DuckDB file, page by page in (ts, id) order, so the export writes them as it
 * writes DuckDB's own. Answers how many it copied.
 */
export async function copyClickHouseEvents(engine: SqlEngine, into: DuckDbStore, pageSize = PAGE): Promise<number> {
  let after: { t: string; id: string } | undefined;
  let copied = 0;
  for (;;) {
    const page = await engine.all<StoredEvent>(
      `SELECT id, event, ts, user_id, anonymous_id, account_id, properties, received_at, source FROM events
       ${after ? `WHERE ts >= {t:DateTime64(3, 'UTC')} AND (ts, id) > ({t:DateTime64(3, 'UTC')}, {id:String})` : ''}
       ORDER BY ts, id LIMIT ${Math.max(1, Math.floor(pageSize))}`, after);
    await appendRows(into, 'events', 'main', page, (a, e) => {
      a.appendVarchar(e.id);
      // The id hash only serves DuckDB's dedupe at write time: this scratch copy is written once.
      a.appendUHugeInt(0n);
      a.appendVarchar(e.event);
      a.appendTimestamp(timestampValue(e.ts.getTime()));
      appendNullable(a, e.user_id);
      appendNullable(a, e.anonymous_id);
      appendNullable(a, e.account_id);
      a.appendVarchar(e.properties);
      a.appendTimestamp(timestampValue(e.received_at.getTime()));
      a.appendVarchar(e.source);
    });
    copied += page.length;
    if (page.length < pageSize) return copied;
    const last = page[page.length - 1];
    after = { t: chTimestamp(last.ts.getTime()), id: last.id };
  }
}
