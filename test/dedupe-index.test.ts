/**
 * The dedupe index answers exactly as a set of the ids: under random batches of new ids, repeats of
 * stored and recent ids, repeats inside a batch, growth past several merges and directory sizes, and
 * keys narrowed so that different ids share their kept bits (the path where only the store's whole
 * fingerprint can tell a repeat from a new id). The sorted keys hold exactly the keys put in, as far
 * as their precision tells keys apart.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DedupeIndex, fingerprint, fingerprintValue, type DedupeOptions, type Fingerprint, type Key } from '../src/engine/ingest/dedupe-index.js';
import { SortedKeys } from '../src/engine/ingest/sorted-keys.js';
import { KeysBuilder, sortedKeysOf } from '../src/engine/ingest/keys-builder.js';
import { uint64Words } from '../src/engine/ingest/dedupe-store.js';
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
/** Keys that differ only in bits below any precision kept (at least 52 bits): all equal in what is kept. */
const belowPrecisionKey = (f: Fingerprint): Key => [f[0] & 0xfff, 0x9e3779b9];
/** Whole keys in a small directory (1 bit at first): a low precision (33 bits and up), grown as merges add keys. */
const smallDirectory = 1;

/** Ids drawn from a small space so that batches repeat stored, recent and same-batch ids. */
const idSpace = fc.integer({ min: 0, max: 400 }).map((n) => `m-${n}`);

describe('dedupe index', () => {
  const variants = [
    ['whole 64-bit keys', wholeKey, undefined], ['keys shared by many ids', narrowKey, undefined], ['keys shared by a few ids', spreadKey, undefined],
    ['keys equal in their kept bits', belowPrecisionKey, undefined], ['whole keys, a directory grown from one bit', wholeKey, smallDirectory],
    ['keys shared by a few ids, a directory grown from one bit', spreadKey, smallDirectory],
  ] as const;
  for (const [name, key, minBits] of variants) {
    it(`claims exactly the ids a set has not seen (${name})`, async () => {
      await fc.assert(fc.asyncProperty(
        fc.uniqueArray(idSpace, { maxLength: 120 }),
        fc.array(fc.array(idSpace, { maxLength: 40 }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 64 }),
        async (initial, batches, mergeEvery) => {
          const model = modelStore();
          for (const id of initial) model.stored.add(fingerprintValue(fingerprint(id)));
          const keys = await sortedKeysOf(keysOf(initial, key), initial.length, minBits);
          const index = new DedupeIndex(keys, { ...model.options, key, mergeEvery });
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
    const index = new DedupeIndex(await sortedKeysOf(keysOf(['a', 'b'], narrowKey)), { ...model.options, key: narrowKey });
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
    const index = new DedupeIndex(await sortedKeysOf(keysOf(old, wholeKey)), model.options);
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

});

/** Whether the keys hold `k`, asked by its two 32-bit words. */
const holds = (keys: SortedKeys, k: bigint) => keys.has(Number(k & 0xffffffffn), Number(k >> 32n));
/** A key's top `precision` bits: what the sorted keys tell apart. */
const kept = (k: bigint, precision: number) => k >> BigInt(64 - precision);

describe('sorted keys', () => {
  it('finds every key after merges and grown room, and none other', async () => {
    for (const minBits of [1, undefined]) {
      const keys = await sortedKeysOf(new BigUint64Array([5n << 32n, 3n << 40n, 1n << 60n, 3n << 40n]), 4, minBits);
      const precision = keys.precision;
      expect(precision).toBe(minBits === undefined ? 52 : 33);
      // Keys apart in their kept bits; the last differs from 3 << 40 only below every precision kept.
      const added = new BigUint64Array([2n << 40n, (7n << 52n) | (1n << 40n), 0xffffffffffffffffn]);
      keys.merge(added, 3);
      for (const v of [1n << 60n, 2n << 40n, 3n << 40n, 5n << 32n, (7n << 52n) | (1n << 40n), 0xffffffffffffffffn, (3n << 40n) | 1n]) expect(holds(keys, v)).toBe(true);
      for (const v of [0n, 1n << 40n, 4n << 40n, 6n << 40n, 7n << 52n, 1n << 61n, 0xfff0000000000000n]) expect(holds(keys, kept(v, precision) << BigInt(64 - precision))).toBe(false);
      expect(keys.size).toBe(7);
    }
  });

  it('holds exactly the keys merged in, as far as its precision tells, over merges that keep or grow the directory', async () => {
    const key = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
    // Keys near each other too: sharing a bucket, differing in one bit on either side of the precision, or repeated.
    const bases = [0x0123456789abcdefn, 0xfedcba9876543210n, 0x8000000000000000n];
    const near = fc.tuple(fc.constantFrom(...bases), fc.integer({ min: 0, max: 63 })).map(([b, bit]) => b ^ (1n << BigInt(bit)));
    const keys = fc.oneof(key, near, fc.constantFrom(...bases));
    await fc.assert(fc.asyncProperty(
      fc.array(keys, { maxLength: 80 }), fc.array(fc.array(keys, { maxLength: 120 }), { maxLength: 8 }), fc.array(keys, { maxLength: 50 }),
      fc.constantFrom(1, 3, 12, undefined),
      async (initial, merges, probes, minBits) => {
        const sorted = await sortedKeysOf(BigUint64Array.from(initial), initial.length, minBits);
        const precision = sorted.precision;
        const model = new Set(initial.map((k) => kept(k, precision)));
        for (const batch of merges) {
          const added = BigUint64Array.from(batch).sort();
          sorted.merge(added, added.length);
          for (const k of batch) model.add(kept(k, precision));
        }
        expect(sorted.precision).toBe(precision);
        expect(sorted.size).toBe(initial.length + merges.flat().length);
        for (const k of [...initial, ...merges.flat(), ...probes]) expect(holds(sorted, k)).toBe(model.has(kept(k, precision)));
      }), { numRuns: 200 });
  });

  it('keeps 4 bytes a key and its directory, over thousands of keys and merges that grow the directory', async () => {
    const random = (n: number, seed: number) => {
      const out = new BigUint64Array(n);
      let x = BigInt(seed);
      for (let i = 0; i < n; i++) {
        x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
        out[i] = x;
      }
      return out;
    };
    const initial = random(200_000, 1);
    const keys = await sortedKeysOf(initial, initial.length, 1);
    expect(keys.bytes / keys.size).toBeLessThan(5);
    const batches = [random(100_000, 2), random(300_000, 3), random(1000, 4)];
    for (const batch of batches) keys.merge(batch.slice().sort(), batch.length);
    expect(keys.size).toBe(601_000);
    for (const k of [...initial.subarray(0, 5000), ...batches.flatMap((b) => [...b.subarray(0, 2000)])]) expect(holds(keys, k)).toBe(true);
    // Random keys not put in: none held (a false match is about 6e5 / 2^precision a probe).
    expect(random(5000, 9).filter((k) => holds(keys, k)).length).toBe(0);
    expect(keys.precision).toBe(15 + 32);
  });
});

describe('building sorted keys in two passes', () => {
  it('refuses passes that disagree: a bucket given more keys than counted, or fewer', async () => {
    const pairs = (list: [number, number][]) => Uint32Array.from(list.flat());
    // Two directory bits, each bucket its own part.
    const counted = () => {
      const builder = new KeysBuilder(0, 2);
      builder.count(1, 2);
      builder.count(3, 1);
      builder.startPlacing(0);
      return builder;
    };
    const over = counted();
    over.place(pairs([[9, 1], [7, 3], [4, 1], [5, 3]]));
    expect(await over.finish()).toBeUndefined();
    const under = counted();
    under.place(pairs([[9, 1], [7, 3]]));
    expect(await under.finish()).toBeUndefined();
    const moved = counted();
    moved.place(pairs([[9, 1], [7, 2], [4, 1]]));
    expect(await moved.finish()).toBeUndefined();
    const agreed = counted();
    agreed.place(pairs([[9, 1], [7, 3], [4, 1]]));
    const keys = (await agreed.finish())!;
    // Bucket 1 is the keys 0x4…, its word the next 32 bits.
    expect(holds(keys, (1n << 62n) | (4n << 30n))).toBe(true);
    expect(holds(keys, (1n << 62n) | (9n << 30n))).toBe(true);
    expect(holds(keys, (3n << 62n) | (7n << 30n))).toBe(true);
    expect(holds(keys, (1n << 62n) | (7n << 30n))).toBe(false);
    expect(holds(keys, (2n << 62n) | (7n << 30n))).toBe(false);
  });

  it('reads a chunk whole from its typed array, or value by value without one', () => {
    const large = [3n, 0xffffffffffffffffn, (5n << 32n) | 7n];
    const words = [3, 0, 0xffffffff, 0xffffffff, 7, 5];
    expect([...uint64Words({ items: BigUint64Array.from(large) } as unknown as DuckDBVector, 3)]).toEqual(words);
    expect([...uint64Words({ getItem: (i: number) => large[i] } as unknown as DuckDBVector, 3)]).toEqual(words);
  });
});
