import { hash } from 'node:crypto';
import { FingerprintSet, type Fingerprint } from './fingerprint-set.js';
import { SortedKeys } from './sorted-keys.js';

/**
 * The set of stored message ids, for exact dedupe without a database index (DuckDB's primary-key
 * index slows to ~25k rows/s on random ids as the table grows, while this stays O(1)).
 *
 * Every id is known by its 128-bit MD5 fingerprint (`id_hash` in the store). The index keeps a prefix
 * of each (`SortedKeys`: at least 52 bits, 56 at 100M ids, in about 4.7 bytes an id) and the whole
 * fingerprint of the ids claimed since its last merge (`FingerprintSet`): a repeat of a recent id is
 * answered in memory, exactly. An id whose prefix matches an older one's is checked against the
 * store's whole fingerprints (one query for the batch's matches): a true repeat is refused, while two
 * ids sharing a prefix (a new id among n stored ones: about n / 2^precision, 1.4e-9 at 100M) both
 * stay. So a duplicate is never stored twice and a new id is never dropped.
 */
export class DedupeIndex {
  private readonly recent = new FingerprintSet();
  /** Ids found stored, remembered whole (emptied when `mergeEvery` or more, between batches). */
  private readonly confirmed = new FingerprintSet();
  private readonly key?: (f: Fingerprint) => Key;
  private readonly mergeEvery: number;
  private turn: Promise<unknown> = Promise.resolve();

  /** `keys`: the stored ids' keys (taken over: merges add to them). */
  constructor(private readonly keys: SortedKeys, private readonly options: DedupeOptions) {
    this.key = options.key;
    this.mergeEvery = options.mergeEvery ?? MERGE_EVERY;
  }

  /** Keys held and recent ids. */
  get size(): number {
    return this.keys.size + this.recent.size;
  }

  /**
   * Claims a batch of ids in order: true for each id first seen (to be stored in the writer's current
   * transaction), false for an id stored already or repeated earlier in the batch. Batches are claimed
   * one at a time, in call order.
   */
  claim(batch: readonly Fingerprint[]): Promise<boolean[]> {
    const claimed = this.turn.then(() => this.claimNow(batch));
    this.turn = claimed.catch(() => undefined);
    return claimed;
  }

  private async claimNow(batch: readonly Fingerprint[]): Promise<boolean[]> {
    // Emptied only here, before the batch's questions: an id it holds is not asked about again.
    if (this.confirmed.size >= this.mergeEvery) this.confirmed.clear();
    const stored = await this.storedMatches(batch);
    // An id recent or repeated in the batch is refused by the recent set itself. A stored one is
    // remembered whole too, so that a retry storm asks the store about each id once.
    const fresh = batch.map((f) => {
      if (this.confirmed.has(f)) return false;
      if (stored.size > 0 && stored.has(fingerprintValue(f))) {
        this.confirmed.add(f);
        return false;
      }
      return this.recent.add(f);
    });
    if (this.recent.size >= Math.max(this.mergeEvery, this.keys.size / 32)) this.merge();
    return fresh;
  }

  /** Of the batch's ids whose kept prefix matches an older id's, those stored (as `fingerprintValue`). */
  private async storedMatches(batch: readonly Fingerprint[]): Promise<Set<bigint>> {
    const candidates = new Map<bigint, Fingerprint>();
    for (const f of batch) {
      if (this.matchesKey(f) && !this.recent.has(f) && !this.confirmed.has(f)) candidates.set(fingerprintValue(f), f);
    }
    if (candidates.size === 0) return new Set();
    const list = [...candidates.values()];
    const stored = await this.options.stored(list);
    return new Set(list.flatMap((f, i) => (stored[i] ? [fingerprintValue(f)] : [])));
  }

  private matchesKey(f: Fingerprint): boolean {
    if (!this.key) return this.keys.has(f[0], f[1]);
    const [low, high] = this.key(f);
    return this.keys.has(low, high);
  }

  /** Moves the recent ids' keys into the sorted keys. */
  private merge(): void {
    const added = new BigUint64Array(this.recent.size);
    const words = new Uint32Array(added.buffer);
    let n = 0;
    this.recent.forEachSlot((s, o) => {
      const [low, high] = this.key ? this.key([s[o], s[o + 1], s[o + 2], s[o + 3]]) : [s[o], s[o + 1]];
      words[2 * n] = low;
      words[2 * n + 1] = high;
      n++;
    });
    added.sort();
    this.keys.merge(added, n);
    this.recent.clear();
  }
}

export interface DedupeOptions {
  /** For each candidate, whether its whole fingerprint is stored: the exact check behind a key's match. */
  stored(candidates: readonly Fingerprint[]): Promise<readonly boolean[]>;
  /** The 64-bit key of a fingerprint, [low word, high word] (unsigned), whose top bits are kept: words 0 and 1 (a test narrows it to force matches). */
  key?(f: Fingerprint): Key;
  /** Recent ids kept whole before a merge (at least; a 32nd of the older keys when that is more). */
  mergeEvery?: number;
}

export type Key = readonly [number, number];

const MERGE_EVERY = 1 << 18;

export type { Fingerprint };

/** MD5 of the id's UTF-8 bytes as four little-endian 32-bit words (never all zero, the empty slot). */
export function fingerprint(id: string): Fingerprint {
  // The one-shot hash: about twice as fast as createHash().update().digest() for short ids.
  const d = hash('md5', id, 'buffer');
  const f: Fingerprint = [d.readUInt32LE(0), d.readUInt32LE(4), d.readUInt32LE(8), d.readUInt32LE(12)];
  if ((f[0] | f[1] | f[2] | f[3]) === 0) f[0] = 1;
  return f;
}

/** The fingerprint as the UHUGEINT stored in `id_hash` (word 3 most significant). */
export function fingerprintValue(f: Fingerprint): bigint {
  return (BigInt(f[3]) << 96n) | (BigInt(f[2]) << 64n) | (BigInt(f[1]) << 32n) | BigInt(f[0]);
}
