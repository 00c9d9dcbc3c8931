import { DuckDbStore } from '../../src/engine/duckdb/database.js';

/**
 * Concurrent clients that send numbered Segment batches to a server and keep the books: which
 * batches were acknowledged (200), which refused (any other answer, or a dead connection), and the
 * statuses seen. The tests then hold the server to its promise: every acknowledged message stored,
 * exactly once.
 */
export class AckLedger {
  readonly acked = new Set<number>();
  readonly statuses = new Map<number, number>();
  /** Refusals that carried Retry-After (every 503 must). */
  retryAfterMissing = 0;
  private next = 0;

  constructor(readonly prefix: string, readonly batchSize = 50, private readonly padBytes = 120) {}

  body(n: number): string {
    return JSON.stringify({
      batch: Array.from({ length: this.batchSize }, (_, i) => ({
        type: 'track', messageId: `${this.prefix}-${n}-${i}`, userId: `user-${(n * this.batchSize + i) % 97}`, event: 'Message Sent',
        timestamp: '2026-03-02T10:00:00Z', properties: { n, i, pad: 'x'.repeat(this.padBytes) },
      })),
    });
  }

  /** Sends batch `n` once; true when acknowledged. */
  async send(url: string, auth: string, n: number): Promise<boolean> {
    let status = 0;
    try {
      const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: this.body(n) });
      status = res.status;
      if (status === 503 && !res.headers.get('retry-after')) this.retryAfterMissing++;
      await res.arrayBuffer();
    } catch {
      status = -1; // the connection was refused or cut: not acknowledged
    }
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status === 200) this.acked.add(n);
    return status === 200;
  }

  /**
   * `lanes` clients sending new batches until `stop()` says so (bounded by `maxBatches`); while
   * `paused()`, each waits before its next batch, its connection kept.
   */
  async run(url: string, auth: string, lanes: number, stop: () => boolean, maxBatches = 5_000, paused: () => boolean = () => false): Promise<void> {
    const lane = async () => {
      while (!stop() && this.next < maxBatches) {
        if (paused()) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const ok = await this.send(url, auth, this.next++);
        if (!ok) await new Promise((r) => setTimeout(r, 20));
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  /** Re-sends every batch not yet acknowledged, as an SDK retries, until all are (bounded in time). */
  async retryRefused(url: string, auth: string, timeoutMs = 30_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    let left = Array.from({ length: this.next }, (_, n) => n).filter((n) => !this.acked.has(n));
    while (left.length > 0 && Date.now() < deadline) {
      for (const n of left) await this.send(url, auth, n);
      left = left.filter((n) => !this.acked.has(n));
      if (left.length > 0) await new Promise((r) => setTimeout(r, 200));
    }
    return left;
  }

  get sent(): number {
    return this.next;
  }

  /** Acknowledged message ids missing from the store, and ids stored more than once. */
  async audit(db: string): Promise<{ missing: number; duplicates: number; stored: number }> {
    const store = await DuckDbStore.open(db, { readOnly: true });
    try {
      const rows = await store.all<{ id: string }>(`SELECT id FROM events WHERE starts_with(id, $prefix)`, { prefix: `${this.prefix}-` });
      const ids = new Set(rows.map((r) => r.id));
      let missing = 0;
      for (const n of this.acked) for (let i = 0; i < this.batchSize; i++) if (!ids.has(`${this.prefix}-${n}-${i}`)) missing++;
      return { missing, duplicates: rows.length - ids.size, stored: rows.length };
    } finally {
      await store.close();
    }
  }
}

export function basicAuth(token: string): string {
  return `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
}
