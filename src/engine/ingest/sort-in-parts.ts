import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Sorts 64-bit keys in place, as `keys.sort()` does, in steps between which other work runs (a
 * server's reads while its dedupe index loads): the keys go to their part by their top byte (one
 * counting pass, then swaps that put each key in its part), then each part is sorted natively. No
 * step is longer than `slice` keys or one part (1/256 of uniform keys).
 */
export async function sortInParts(keys: BigUint64Array, options: { slice?: number; pause?: () => Promise<unknown> } = {}): Promise<void> {
  const slice = options.slice ?? 1 << 22;
  const pause = options.pause ?? (() => nextTurn());
  const n = keys.length;
  const w = new Uint32Array(keys.buffer, keys.byteOffset, n * 2);
  const starts = new Float64Array(PARTS + 1);
  for (let i = 0; i < n; i++) {
    starts[(w[2 * i + 1] >>> 24) + 1]++;
    if (i % slice === slice - 1) await pause();
  }
  for (let p = 0; p < PARTS; p++) starts[p + 1] += starts[p];
  const next = starts.slice(0, PARTS);
  let steps = 0;
  for (let p = 0; p < PARTS; p++) {
    while (next[p] < starts[p + 1]) {
      const i = next[p];
      const to = w[2 * i + 1] >>> 24;
      if (to === p) next[p]++;
      else {
        // The key goes to the next free place of its part; what was there is looked at next.
        const j = next[to]++;
        const low = w[2 * j];
        const high = w[2 * j + 1];
        w[2 * j] = w[2 * i]; w[2 * j + 1] = w[2 * i + 1];
        w[2 * i] = low; w[2 * i + 1] = high;
      }
      if (++steps === slice) {
        steps = 0;
        await pause();
      }
    }
  }
  for (let p = 0; p < PARTS; p++) {
    keys.subarray(starts[p], starts[p + 1]).sort();
    await pause();
  }
}

const PARTS = 256;
