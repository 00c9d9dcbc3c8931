import type { IdentityMessage, NormalizedMessage, TrackedEvent } from '../../model/message.js';
import { recordEventAccountsClickHouse, refreshIdentityClickHouse, relinkedClickHouse } from './identity-refresh.js';
import type { WriteCounts } from '../ingest/writer.js';
import { chTimestamp } from './connection.js';
import type { ClickHouseStore } from './store.js';
import { clickhouseJson, idChunks, nextSeq } from './values.js';
import { dropLaterCopies } from './cross-copies.js';

/**
 * Writes normalised messages to ClickHouse with the semantics of the DuckDB `IngestWriter`:
 * a message id already stored (or repeated in the batch) is a duplicate and the first copy stays;
 * any message carrying both ids links the anonymous id to the user, earliest link wins, for all
 * that id's events; a person's traits are the merge of its identify calls in time order and its
 * account is the latest group call's. ReplacingMergeTree + FINAL makes dedupe exact at query time
 * even when two writers race on the same id.
 */
export class ClickHouseWriter {
  constructor(private readonly store: ClickHouseStore, private readonly source: string) {}

  async write(messages: readonly NormalizedMessage[], receivedAt: number = Date.now()): Promise<WriteCounts> {
    const stored = await this.writeDetailed(messages, receivedAt);
    const inserted = stored.filter(Boolean).length;
    return { inserted, duplicates: messages.length - inserted };
  }

  /** Writes the batch; for each message, whether it was newly stored (false: a duplicate). */
  async writeDetailed(messages: readonly NormalizedMessage[], receivedAt: number = Date.now()): Promise<boolean[]> {
    if (messages.length === 0) return [];
    const c = this.store.connection;
    const received = chTimestamp(receivedAt);
    const events = messages.filter((m): m is TrackedEvent => m.kind === 'event');
    const identities = messages.filter((m): m is IdentityMessage => m.kind !== 'event');
    const newEvents = await this.fresh('tn_events', events);
    const newIdentities = await this.fresh('tn_identity_messages', identities);

    await c.insert('tn_events', [...newEvents].map((e) => ({
      id: e.id, event: e.event, ts: chTimestamp(e.timestamp), user_id: e.userId, anonymous_id: e.anonymousId,
      account_id: e.accountId, properties: clickhouseJson(e.properties), received_at: received, source: this.source,
      person: e.userId ?? e.anonymousId ?? '',
    })));
    await c.insert('tn_identity_messages', [...newIdentities].map((m) => ({
      id: m.id, kind: m.kind, ts: chTimestamp(m.timestamp), user_id: m.userId, anonymous_id: m.anonymousId,
      account_id: m.accountId, traits: clickhouseJson(m.traits), received_at: received, source: this.source,
      person: m.userId ?? m.anonymousId ?? '',
      set_once: m.setOnce ? clickhouseJson(m.setOnce) : '', unset: m.unset ? JSON.stringify(m.unset) : '',
    })));
    await dropLaterCopies(this.store, [...newEvents].map((e) => e.id));
    const accountChanged = await recordEventAccountsClickHouse(this.store, [...newEvents]);

    // Link candidates come from the whole batch, events first, in batch order (as the DuckDB writer's
    // arg_min sees them); seq breaks a tie on the instant in favour of the link written first.
    const linking = [...events, ...identities].filter((m) => m.userId !== null && m.anonymousId !== null && m.userId !== m.anonymousId);
    const relinked = await relinkedClickHouse(this.store, linking.map((m) => ({ anonymous_id: m.anonymousId!, user_id: m.userId!, ts: m.timestamp })));
    await c.insert('tn_identity_link_candidates', linking.map((m) => ({ anonymous_id: m.anonymousId, user_id: m.userId, ts: chTimestamp(m.timestamp), seq: nextSeq() })));

    const stored = [...newIdentities];
    if (stored.length > 0 || accountChanged.length > 0 || relinked.length > 0) {
      await refreshIdentityClickHouse(this.store, {
        persons: [...stored.flatMap((m) => (m.userId ?? m.anonymousId) ?? []), ...accountChanged, ...relinked],
        accounts: stored.flatMap((m) => (m.kind === 'group' && m.accountId ? [m.accountId] : [])),
      });
    }
    const fresh = new Set<NormalizedMessage>([...newEvents, ...newIdentities]);
    return messages.map((m) => fresh.has(m));
  }

  /** The messages of the batch whose id is neither stored already nor seen earlier in the batch. */
  private async fresh<T extends NormalizedMessage>(table: 'tn_events' | 'tn_identity_messages', batch: T[]): Promise<Set<T>> {
    const firstById = new Map<string, T>();
    for (const m of batch) if (!firstById.has(m.id)) firstById.set(m.id, m);
    const ids = [...firstById.keys()];
    for (const chunk of idChunks(ids)) {
      const rows = await this.store.connection.query(`SELECT DISTINCT id FROM ${table} WHERE id IN {ids:Array(String)}`, { ids: chunk });
      for (const r of rows) firstById.delete(r.id as string);
    }
    return new Set(firstById.values());
  }
}

export interface BatchingOptions {
  /** Flush as soon as this many messages wait (default 1,000). */
  maxRows?: number;
  /** Otherwise flush this long after the first waiting message (default 1,000 ms): at most one insert a second. */
  maxDelayMs?: number;
}

interface Pending {
  messages: readonly NormalizedMessage[];
  receivedAt: number;
  resolve: (counts: WriteCounts) => void;
  reject: (e: unknown) => void;
}

/**
 * Groups small writes (one HTTP request each) into ClickHouse-sized inserts: a batch goes out when
 * it holds `maxRows` messages or `maxDelayMs` after its first message, one batch at a time. Each
 * caller's promise settles when its messages are stored, so an acknowledgement still means durable.
 */
export class BatchingWriter {
  private pending: Pending[] = [];
  private rows = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly maxRows: number;
  private readonly maxDelayMs: number;

  constructor(private readonly writer: Pick<ClickHouseWriter, 'writeDetailed'>, options: BatchingOptions = {}) {
    this.maxRows = options.maxRows ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 1_000;
  }

  write(messages: readonly NormalizedMessage[], receivedAt: number = Date.now()): Promise<WriteCounts> {
    if (messages.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0 });
    return new Promise<WriteCounts>((resolve, reject) => {
      this.pending.push({ messages, receivedAt, resolve, reject });
      this.rows += messages.length;
      if (this.rows >= this.maxRows) this.flushSoon(0);
      else this.flushSoon(this.maxDelayMs);
    });
  }

  /** Writes whatever waits now; resolves when everything handed over so far is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.rows = 0;
    if (batch.length > 0) this.inFlight = this.inFlight.then(() => this.send(batch));
    return this.inFlight;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private flushSoon(delay: number): void {
    if (delay === 0) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => void this.flush(), delay);
  }

  private async send(batch: Pending[]): Promise<void> {
    const all = batch.flatMap((p) => p.messages);
    try {
      // One insert for the batch; a message's receivedAt is that of the batch's first request.
      const stored = await this.writer.writeDetailed(all, batch[0].receivedAt);
      let offset = 0;
      for (const p of batch) {
        const mine = stored.slice(offset, offset + p.messages.length);
        offset += p.messages.length;
        const inserted = mine.filter(Boolean).length;
        p.resolve({ inserted, duplicates: p.messages.length - inserted });
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
