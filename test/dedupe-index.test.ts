/**
 * The dedupe index answers exactly as a set of the ids: under random batches of new ids, repeats of
 * stored and recent ids, repeats inside a batch, growth past several merges, and keys narrowed so
 * that different ids share their 64-bit key (the path where only the store's whole fingerprint can
 * tell a repeat from a new id).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DedupeIndex, fingerprint, fingerprintValue, type DedupeOptions, type Fingerprint, type Key } from '../src/engine/ingest/dedupe-index.js';
import { SortedKeys } from '../src/engine/ingest/sorted-keys.js';
import { sortInParts } from '../src/engine/ingest/sort-in-parts.js';
import { copyKeys } from '../src/engine/ingest/dedupe-store.js';
import type { DuckDBVector } from '@duckdb/node-api';

/** A model store: the whole fingerprints of the ids stored, and how often the index asked it. */
function modelStore() {
  const stored = new Set<bigint>();
  const asked: number[] = [];
  const options: Pick<DedupeOptions, 'stored'> = {
    stored: async (candidates) => {
      asked.push(candidates.length);
      return candidates.map((f) => stored.has(fingerprintValue(f)));
    },
  };
  return { stored, asked, options };
}

function keysOf(ids: readonly string[], key: (f: Fingerprint) => Key): BigUint64Array {
  const keys = new BigUint64Array(ids.length);
  const words = new Uint32Array(keys.buffer);
  ids.forEach((id, i) => {
    const [low, high] = key(fingerprint(id));
    words[2 * i] = low;
    words[2 * i + 1] = high;
  });
  return keys;
}

const wholeKey = (f: Fingerprint): Key => [f[0], f[1]];
/** Eight keys in all: nearly every id matches another's key. */
const narrowKey = (f: Fingerprint): Key => [f[0] & 7, 0];
/** A few hundred keys, spread over the high word's buckets. */
const spreadKey = (f: Fingerprint): Key => [f[0] & 3, (f[1] & 0xff000000) >>> 0];

/** Ids drawn from a small space so that batches repeat stored, recent and same-batch ids. */
const idSpace = fc.integer({ min: 0, max: 400 }).map((n) => `m-${n}`);

describe('dedupe index', () => {
  for (const [name, key] of [['whole 64-bit keys', wholeKey], ['keys shared by many ids', narrowKey], ['keys shared by a few ids', spreadKey]] as const) {
    it(`claims exactly the ids a set has not seen (${name})`, async () => {
      await fc.assert(fc.asyncProperty(
        fc.uniqueArray(idSpace, { maxLength: 120 }),
        fc.array(fc.array(idSpace, { maxLength: 40 }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 64 }),
        async (initial, batches, mergeEvery) => {
          const model = modelStore();
          for (const id of initial) model.stored.add(fingerprintValue(fingerprint(id)));
          const index = new DedupeIndex(keysOf(initial, key), initial.length, { ...model.options, key, mergeEvery });
          const seen = new Set(initial);
          for (const batch of batches) {
            const fresh = await index.claim(batch.map(fingerprint));
            const expected = batch.map((id) => (seen.has(id) ? false : (seen.add(id), true)));
            expect(fresh).toEqual(expected);
            // The writer stores what was claimed before its next claim.
            batch.forEach((id, i) => fresh[i] && model.stored.add(fingerprintValue(fingerprint(id))));
          }
        },
      ), { numRuns: 150 });
    });
  }

  it('claims concurrent batches one after the other, in call order', async () => {
    const model = modelStore();
    const index = new DedupeIndex(keysOf(['a', 'b'], narrowKey), 2, { ...model.options, key: narrowKey });
    for (const id of ['a', 'b']) model.stored.add(fingerprintValue(fingerprint(id)));
    const first = index.claim(['a', 'c', 'd'].map(fingerprint));
    const second = index.claim(['c', 'e', 'b'].map(fingerprint));
    expect(await first).toEqual([false, true, true]);
    expect(await second).toEqual([false, true, false]);
  });

  it('asks the store once a batch, and never for recent ids', async () => {
    const model = modelStore();
    const old = Array.from({ length: 1000 }, (_, i) => `old-${i}`);
    for (const id of old) model.stored.add(fingerprintValue(fingerprint(id)));
    const index = new DedupeIndex(keysOf(old, wholeKey), old.length, model.options);
    // A replay of stored ids: one question for the whole batch, every id refused.
    expect(await index.claim(old.slice(0, 500).map(fingerprint))).toEqual(old.slice(0, 500).map(() => false));
    expect(model.asked).toEqual([500]);
    // The same replay again, and a batch of recent and older stored ids: only the older ones are asked about.
    expect((await index.claim(old.slice(0, 500).map(fingerprint))).some(Boolean)).toBe(false);
    expect(await index.claim(old.slice(400, 600).map(fingerprint))).toEqual(old.slice(400, 600).map(() => false));
    expect(model.asked).toEqual([500, 100]);
    // New ids, then a retry of them: answered in memory.
    const recent = Array.from({ length: 300 }, (_, i) => `new-${i}`).map(fingerprint);
    expect((await index.claim(recent)).every(Boolean)).toBe(true);
    expect((await index.claim(recent)).some(Boolean)).toBe(false);
    expect(model.asked).toEqual([500, 100]);
  });

  it('finds every key after merges and grown room, and none other', () => {
    const keys = new SortedKeys(new BigUint64Array([5n, 3n, 1n << 40n, 3n]), 4);
    const added = new BigUint64Array([2n, (7n << 32n) | 1n, 0xffffffffffffffffn]);
    keys.merge(added, 3);
    const has = (v: bigint) => keys.has(Number(v & 0xffffffffn), Number(v >> 32n));
    for (const v of [1n << 40n, 2n, 3n, 5n, (7n << 32n) | 1n, 0xffffffffffffffffn]) expect(has(v)).toBe(true);
    for (const v of [0n, 1n, 4n, 6n, 7n << 32n, 1n << 41n, 0xfffffffffffffffen]) expect(has(v)).toBe(false);
    expect(keys.size).toBe(7);
  });

  it('holds exactly the keys merged in, over merges that keep or change the directory', () => {
    const key = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
    // Keys drawn near each other too, so that some share a bucket or repeat.
    const near = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 3 })).map(([hi, lo]) => (BigInt(hi) << 60n) | BigInt(lo));
    fc.assert(fc.property(fc.array(fc.oneof(key, near)), fc.array(fc.array(fc.oneof(key, near), { maxLength: 60 }), { maxLength: 8 }), fc.array(fc.oneof(key, near), { maxLength: 50 }),
      (initial, merges, probes) => {
        const keys = new SortedKeys(BigUint64Array.from(initial), initial.length);
        const model = new Set(initial);
        for (const batch of merges) {
          const added = BigUint64Array.from(batch).sort();
          keys.merge(added, added.length);
          for (const k of batch) model.add(k);
        }
        for (const k of [...model, ...probes]) expect(keys.has(Number(k & 0xffffffffn), Number(k >> 32n))).toBe(model.has(k));
      }), { numRuns: 300 });
  });

  it('sorts keys in parts exactly as a whole sort does, pausing between steps', async () => {
    const key = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
    // Keys in a few parts only (their top byte) and repeats, beside uniform ones.
    const clustered = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.bigInt({ min: 0n, max: 50n })).map(([top, rest]) => (BigInt(top * 85) << 56n) | rest);
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(key, clustered), { maxLength: 400 }), fc.integer({ min: 1, max: 64 }), async (values, slice) => {
      const keys = BigUint64Array.from(values);
      let pauses = 0;
      await sortInParts(keys, { slice, pause: async () => pauses++ });
      expect([...keys]).toEqual([...BigUint64Array.from(values).sort()]);
      expect(pauses).toBeGreaterThanOrEqual(256 + Math.floor(values.length / slice));
    }), { numRuns: 200 });
  });

  it('copies a chunk of keys whole from its typed array, or value by value without one', () => {
    const values = [3n, 0xffffffffffffffffn, 1n << 40n];
    const keys = new BigUint64Array(5);
    copyKeys({ items: BigUint64Array.from(values) } as unknown as DuckDBVector, 3, keys, 1);
    expect([...keys]).toEqual([0n, ...values, 0n]);
    const plain = new BigUint64Array(4);
    copyKeys({ getItem: (i: number) => values[i] } as unknown as DuckDBVector, 3, plain, 0);
    expect([...plain]).toEqual([...values, 0n]);
  });
});
