import type { TrackedEvent } from '../../model/message.js';
import { wellFormed, wellFormedCopy } from '../../model/well-formed.js';
import type { DuckDbStore } from './database.js';

/**
 * Inserts tracked events into `events` with ONE statement that runs on DuckDB's threads: the rows are
 * handed over as a few text parameters, one per column, and DuckDB splits, converts and stores them.
 * This thread only builds the texts (a JSON list per text column; the timestamps and the properties,
 * whose JSON text never holds a raw control character, joined by U+001F), so it parses the next
 * requests while the insert runs, where an appender would insert synchronously on it.
 *
 * `id_hash` is DuckDB's `md5_number(id)`: the id's MD5 as a little-endian 128-bit number, the same
 * value as `fingerprintValue(fingerprint(id))` (an all-zero digest stored as 1, as there).
 */
const INSERT_EVENTS = `INSERT INTO events
  SELECT id, CASE WHEN md5_number(id) = 0 THEN 1 ELSE md5_number(id) END, event, make_timestamp(ts::BIGINT * 1000),
    user_id, anonymous_id, account_id, properties, make_timestamp($received * 1000), $source
  FROM (SELECT
    unnest(from_json($id, '["VARCHAR"]')) AS id,
    unnest(from_json($event, '["VARCHAR"]')) AS event,
    unnest(string_split($ts, chr(31))) AS ts,
    unnest(from_json($user_id, '["VARCHAR"]')) AS user_id,
    unnest(from_json($anonymous_id, '["VARCHAR"]')) AS anonymous_id,
    unnest(from_json($account_id, '["VARCHAR"]')) AS account_id,
    unnest(string_split($properties, chr(31))) AS properties)`;

const SEPARATOR = '\u001f';

/**
 * The properties as JSON text. JSON.stringify writes a lone surrogate as a \uD8xx–\uDFxx escape, which
 * DuckDB's JSON refuses: such a value (the server's parse already replaced them) has them replaced
 * by U+FFFD, so one odd string can never fail the whole insert.
 */
function propertiesText(properties: object): string {
  const text = JSON.stringify(properties);
  return /\\u[dD][89a-fA-F]/.test(text) ? JSON.stringify(wellFormedCopy(properties)) : text;
}

export async function insertEvents(store: DuckDbStore, events: readonly TrackedEvent[], receivedAt: number, source: string): Promise<void> {
  const n = events.length;
  const id = new Array<string>(n);
  const event = new Array<string>(n);
  const ts = new Array<number>(n);
  const userId = new Array<string | null>(n);
  const anonymousId = new Array<string | null>(n);
  const accountId = new Array<string | null>(n);
  const properties = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const e = events[i];
    id[i] = wellFormed(e.id);
    event[i] = wellFormed(e.event);
    ts[i] = e.timestamp;
    userId[i] = e.userId === null ? null : wellFormed(e.userId);
    anonymousId[i] = e.anonymousId === null ? null : wellFormed(e.anonymousId);
    accountId[i] = e.accountId === null ? null : wellFormed(e.accountId);
    properties[i] = propertiesText(e.properties);
  }
  await store.run(INSERT_EVENTS, {
    id: JSON.stringify(id), event: JSON.stringify(event), ts: ts.join(SEPARATOR), user_id: JSON.stringify(userId),
    anonymous_id: JSON.stringify(anonymousId), account_id: JSON.stringify(accountId), properties: properties.join(SEPARATOR),
    received: receivedAt, source,
  });
}
