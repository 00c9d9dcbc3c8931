/**
 * A set of 64-bit keys held as one sorted BigUint64Array (8 bytes a key, with up to 1/8 spare room
 * for merges) and a directory of bucket starts by the keys' top bits (about half a byte a key), so a
 * lookup reads one directory entry and a few neighbouring keys: the keys are uniform (hash bits), so
 * a bucket holds a handful. Keys are read through a Uint32Array view of the same memory (word 2i the
 * low half of key i, word 2i + 1 the high half) so no lookup builds a BigInt.
 */
export class SortedKeys {
  private keys: BigUint64Array;
  private words: Uint32Array;
  private count: number;
  private dir = new Uint32Array(0);
  private shift = 31;

  /** Takes `keys[0, count)` as they are (repeats allowed) and sorts them in place unless `sorted`. */
  constructor(keys: BigUint64Array, count: number, sorted = false) {
    this.keys = keys;
    this.words = new Uint32Array(keys.buffer, keys.byteOffset, keys.length * 2);
    this.count = count;
    if (!sorted) keys.subarray(0, count).sort();
    this.index();
  }

  get size(): number {
    return this.count;
  }

  has(low: number, high: number): boolean {
    const w = this.words;
    const bucket = high >>> this.shift;
    for (let i = this.dir[bucket], end = this.dir[bucket + 1]; i < end; i++) {
      const h = w[2 * i + 1];
      if (h === high && w[2 * i] === low) return true;
      if (h > high) return false;
    }
    return false;
  }

  /**
   * Merges sorted keys in (`added[0, n)`), in place from the back: each added key finds its place
   * through the directory and the older keys after it move up in one block copy, so the cost is
   * about one memmove of the keys, not a step per key.
   */
  merge(added: BigUint64Array, n: number): void {
    const total = this.count + n;
    if (this.keys.length < total) {
      const larger = new BigUint64Array(Math.ceil(total * 1.125));
      larger.set(this.keys.subarray(0, this.count));
      this.keys = larger;
      this.words = new Uint32Array(larger.buffer);
    }
    const a = new Uint32Array(added.buffer, added.byteOffset, n * 2);
    let end = this.count;
    for (let j = n - 1; j >= 0; j--) {
      // Older keys before `end` have not moved yet, so the directory still finds them.
      const at = this.lowerBound(a[2 * j], a[2 * j + 1], end);
      this.keys.copyWithin(at + j + 1, at, end);
      this.keys[at + j] = added[j];
      end = at;
    }
    const before = this.shift;
    this.count = total;
    if (this.bitsFor(total) === 32 - before) this.shiftDirectory(a, n);
    else this.index();
  }

  /** The first position before `end` whose key is not below (low, high). */
  private lowerBound(low: number, high: number, end: number): number {
    const w = this.words;
    const bucket = high >>> this.shift;
    let i = this.dir[bucket];
    const last = Math.min(this.dir[bucket + 1], end);
    while (i < last && (w[2 * i + 1] < high || (w[2 * i + 1] === high && w[2 * i] < low))) i++;
    return Math.min(i, end);
  }

  /** The directory after a merge at the same size: each start moves up by the added keys before its bucket. */
  private shiftDirectory(added: Uint32Array, n: number): void {
    let j = 0;
    for (let b = 0; b < this.dir.length; b++) {
      while (j < n && added[2 * j + 1] >>> this.shift < b) j++;
      this.dir[b] += j;
    }
  }

  /** Bytes held: the keys (with their spare room) and the directory. */
  get bytes(): number {
    return this.keys.byteLength + this.dir.byteLength;
  }

  /** The directory: about four to eight keys a bucket, by the top bits of the high word. */
  private index(): void {
    const bits = this.bitsFor(this.count);
    this.shift = 32 - bits;
    const buckets = 2 ** bits;
    if (this.dir.length !== buckets + 1) this.dir = new Uint32Array(buckets + 1);
    const w = this.words;
    let i = 0;
    for (let b = 0; b <= buckets; b++) {
      while (i < this.count && w[2 * i + 1] >>> this.shift < b) i++;
      this.dir[b] = i;
    }
  }

  private bitsFor(count: number): number {
    return Math.max(1, Math.min(26, Math.floor(Math.log2(Math.max(count, 1) / 4))));
  }
}
