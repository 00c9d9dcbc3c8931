import { randomBytes } from 'node:crypto';
import type { NormalizedMessage } from '../../model/message.js';
import type { LatestAccount } from '../ingest/event-accounts.js';
import type { WriteCounts } from '../ingest/writer.js';
import { chTimestamp } from './connection.js';
import { recordLatestAccountsClickHouse, refreshIdentityClickHouse, relinkedFromEarliestClickHouse } from './identity-refresh.js';
import type { ClickHouseStore } from './store.js';
import { clickhouseJson, idChunks, reserveSeqs } from './values.js';

const TS = "DateTime64(3, 'UTC')";
const MESSAGE_COLUMNS = `ord UInt64, id String, ts ${TS}, user_id Nullable(String), anonymous_id Nullable(String), account_id Nullable(String)`;

let stagings = 0;

/** Staging numbers per line: a line's messages (a batch body holds many) are numbered line × LINE_SLOTS + k. */
export const LINE_SLOTS = 2 ** 20;

interface StagingTables {
  events: string;
  identities: string;
  newEvents: string;
  newIdentities: string;
}

/**
 * A bulk import into ClickHouse with no question to the store per batch: the import's messages go,
 * numbered in file order (`ord`), into staging tables of their own; `finish` then moves the first row
 * of every id not stored yet into the storage tables with one statement per table, so "imported N,
 * duplicates M" is exact, and does the identity work of `ClickHouseWriter` over the whole import at
 * once (event accounts, links, profiles), with the same rules. A failed or refused import leaves the
 * storage tables untouched until `finish`; `drop` removes the staging tables in every case.
 */
export class StagedImport {
  /** The span of the staged messages' timestamps (ms). */
  readonly span = { from: Infinity, to: -Infinity };
  /** The staging number of the next message without a line. */
  private next = 0;
  private line = { at: -1, k: 0 };

  private constructor(private readonly store: ClickHouseStore, private readonly tables: StagingTables) {}

  static async open(store: ClickHouseStore): Promise<StagedImport> {
    // Digits and hex only: the names are safe to write into the statements.
    const tag = `${process.pid}_${++stagings}_${randomBytes(4).toString('hex')}`;
    const tables = {
      events: `tn_stage_events_${tag}`, identities: `tn_stage_identity_${tag}`,
      newEvents: `tn_stage_new_events_${tag}`, newIdentities: `tn_stage_new_identity_${tag}`,
    };
    const staging = new StagedImport(store, tables);
    try {
      await store.connection.command(`CREATE TABLE ${tables.events} (${MESSAGE_COLUMNS}, event String, properties String) ENGINE = MergeTree ORDER BY ord`);
      await store.connection.command(`CREATE TABLE ${tables.identities} (${MESSAGE_COLUMNS}, kind String, traits String, set_once String, unset String)
        ENGINE = MergeTree ORDER BY ord`);
    } catch (e) {
      await staging.drop();
      throw e;
    }
    return staging;
  }

  /**
   * Stages one batch (messages in file order). With `lineOf`, a message is numbered by its line
   * (line × LINE_SLOTS + its place among the line's messages), as the rows staged in ClickHouse are.
   */
  async add(batch: readonly NormalizedMessage[], lineOf?: WeakMap<NormalizedMessage, number>): Promise<void> {
    const events: Record<string, unknown>[] = [];
    const identities: Record<string, unknown>[] = [];
    for (const m of batch) {
      if (m.timestamp < this.span.from) this.span.from = m.timestamp;
      if (m.timestamp > this.span.to) this.span.to = m.timestamp;
      const common = { ord: this.ord(m, lineOf), id: m.id, ts: chTimestamp(m.timestamp), user_id: m.userId, anonymous_id: m.anonymousId, account_id: m.accountId };
      if (m.kind === 'event') events.push({ ...common, event: m.event, properties: clickhouseJson(m.properties) });
      else {
        identities.push({
          ...common, kind: m.kind, traits: clickhouseJson(m.traits),
          set_once: m.setOnce ? clickhouseJson(m.setOnce) : '', unset: m.unset ? JSON.stringify(m.unset) : '',
        });
      }
    }
    await this.store.connection.insert(this.tables.events, events);
    await this.store.connection.insert(this.tables.identities, identities);
  }

  private ord(m: NormalizedMessage, lineOf: WeakMap<NormalizedMessage, number> | undefined): number {
    const line = lineOf?.get(m);
    if (line === undefined) return this.next++;
    this.line = line === this.line.at ? { at: line, k: this.line.k + 1 } : { at: line, k: 0 };
    return line * LINE_SLOTS + this.line.k;
  }

  /** Stages events selected inside ClickHouse: (ord, id, ts, user_id, anonymous_id, account_id, event, properties). */
  async stageEvents(select: string, params?: Record<string, unknown>): Promise<void> {
    const t = this.tables.events;
    await this.store.connection.command(`INSERT INTO ${t} (ord, id, ts, user_id, anonymous_id, account_id, event, properties) ${select}`, params);
    const [span] = await this.store.connection.query(`SELECT toUnixTimestamp64Milli(min(ts)) AS first, toUnixTimestamp64Milli(max(ts)) AS last, count() AS n FROM ${t}`);
    if (Number(span.n) > 0) {
      this.span.from = Math.min(this.span.from, Number(span.first));
      this.span.to = Math.max(this.span.to, Number(span.last));
    }
  }

  /** Stores the first row of every new id; the identity work follows. Counts are per message. */
  async finish(source: string, receivedAt: number): Promise<WriteCounts> {
    const c = this.store.connection;
    const t = this.tables;
    // The first row of each id in file order, unless that id is stored already.
    const firstNew = (staged: string, stored: string) => `SELECT * FROM ${staged} WHERE ord IN (
      SELECT min(ord) FROM ${staged} WHERE id NOT IN (SELECT id FROM ${stored} WHERE id GLOBAL IN (SELECT id FROM ${staged})) GROUP BY id)`;
    await c.command(`CREATE TABLE ${t.newEvents} ENGINE = MergeTree ORDER BY ord AS ${firstNew(t.events, 'tn_events')}`);
    await c.command(`CREATE TABLE ${t.newIdentities} ENGINE = MergeTree ORDER BY ord AS ${firstNew(t.identities, 'tn_identity_messages')}`);
    const [sizes] = await c.query(`SELECT (SELECT count() FROM ${t.newEvents}) + (SELECT count() FROM ${t.newIdentities}) AS fresh,
      (SELECT count() FROM ${t.events}) + (SELECT count() FROM ${t.identities}) AS staged`);
    const fresh = Number(sizes.fresh);
    const stamp = { received: receivedAt, source };
    await c.command(`INSERT INTO tn_events (id, event, ts, user_id, anonymous_id, account_id, properties, received_at, source, person)
      SELECT id, event, ts, user_id, anonymous_id, account_id, properties, fromUnixTimestamp64Milli({received:Int64}, 'UTC'), {source:String},
        coalesce(user_id, anonymous_id, '')
      FROM ${t.newEvents} ORDER BY ord`, stamp);
    await c.command(`INSERT INTO tn_identity_messages (id, kind, ts, user_id, anonymous_id, account_id, traits, received_at, source, person, set_once, unset)
      SELECT id, kind, ts, user_id, anonymous_id, account_id, traits, fromUnixTimestamp64Milli({received:Int64}, 'UTC'), {source:String},
        coalesce(user_id, anonymous_id, ''), set_once, unset
      FROM ${t.newIdentities} ORDER BY ord`, stamp);
    await this.linkIdentities();
    return { inserted: fresh, duplicates: Number(sizes.staged) - fresh };
  }

  /** Event accounts, links and profiles, as `ClickHouseWriter` does for a batch: here the import is the batch. */
  private async linkIdentities(): Promise<void> {
    const c = this.store.connection;
    const t = this.tables;
    // Per person, the account of its latest new event naming one (a tie: the later in the file).
    const latest = await c.query(`SELECT person, argMax(account, (ts, ord)) AS account_id, toUnixTimestamp64Milli(max(ts)) AS latest
      FROM (SELECT assumeNotNull(coalesce(user_id, anonymous_id)) AS person, assumeNotNull(account_id) AS account, ts, ord
        FROM ${t.newEvents} WHERE account_id IS NOT NULL AND coalesce(user_id, anonymous_id) IS NOT NULL)
      GROUP BY person`) as { person: string; account_id: string; latest: number }[];
    const accountChanged: string[] = [];
    for (const part of idChunks<LatestAccount>(latest.map((l) => ({ person: l.person, account_id: l.account_id, ts: Number(l.latest) })))) accountChanged.push(...await recordLatestAccountsClickHouse(this.store, part));

    // Link candidates: every staged message carrying both ids, events first, each in file order.
    // (Aliases differ from the column names: in ClickHouse an alias would replace the column in WHERE.)
    const candidates = `SELECT assumeNotNull(anonymous_id) AS anon, assumeNotNull(user_id) AS usr, ts, 0 AS r, ord FROM ${t.events}
        WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL AND user_id != anonymous_id
      UNION ALL SELECT assumeNotNull(anonymous_id), assumeNotNull(user_id), ts, 1, ord FROM ${t.identities}
        WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL AND user_id != anonymous_id`;
    const earliest = await c.query(`SELECT anon AS anonymous_id, argMin(usr, (ts, r, ord)) AS user_id, toUnixTimestamp64Milli(min(ts)) AS first
      FROM (${candidates}) GROUP BY anon`) as { anonymous_id: string; user_id: string; first: number }[];
    const relinked: string[] = [];
    for (const part of idChunks(earliest)) {
      relinked.push(...await relinkedFromEarliestClickHouse(this.store, new Map(part.map((e) => [e.anonymous_id, { user_id: e.user_id, ts: Number(e.first) }]))));
    }
    if (earliest.length > 0) {
      // seq follows (events first, file order), as the writer numbers a batch's candidates.
      const [{ n }] = await c.query(`SELECT count() AS n FROM (${candidates})`);
      const seq = reserveSeqs(Number(n));
      await c.command(`INSERT INTO tn_identity_link_candidates (anonymous_id, user_id, ts, seq)
        SELECT anon, usr, ts, {seq:UInt64} + row_number() OVER (ORDER BY r, ord) - 1 FROM (${candidates})`, { seq });
    }

    const stored = await c.query(`SELECT
        arrayDistinct(groupArrayIf(assumeNotNull(coalesce(user_id, anonymous_id)), coalesce(user_id, anonymous_id) IS NOT NULL)) AS persons,
        arrayDistinct(groupArrayIf(assumeNotNull(account_id), kind = 'group' AND account_id IS NOT NULL)) AS accounts
      FROM ${t.newIdentities}`) as { persons: string[]; accounts: string[] }[];
    const persons = [...new Set([...(stored[0]?.persons ?? []), ...accountChanged, ...relinked])];
    for (const accounts of idChunks(stored[0]?.accounts ?? [])) await refreshIdentityClickHouse(this.store, { persons: [], accounts });
    for (const part of idChunks(persons)) await refreshIdentityClickHouse(this.store, { persons: part, accounts: [] });
  }

  /** Removes the staging tables (whatever exists of them). */
  async drop(): Promise<void> {
    for (const table of Object.values(this.tables)) {
      try {
        await this.store.connection.command(`DROP TABLE IF EXISTS ${table}`);
      } catch {
        /* the store is gone: nothing more to clean up through it */
      }
    }
  }
}
