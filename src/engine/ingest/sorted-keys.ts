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

  /** Takes `keys[0, count)` as they are (unsorted, repeats allowed) and sorts them in place. */
  constructor(keys: BigUint64Array, count: number) {
    this.keys = keys;
    this.words = new Uint32Array(keys.buffer, keys.byteOffset, keys.length * 2);
    this.count = count;
    keys.subarray(0, count).sort();
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

  /** Merges sorted keys in (`added[0, n)`), from the back so the existing keys move once, in place. */
  merge(added: BigUint64Array, n: number): void {
    const total = this.count + n;
    if (this.keys.length < total) {
      const larger = new BigUint64Array(Math.ceil(total * 1.125));
      larger.set(this.keys.subarray(0, this.count));
      this.keys = larger;
      this.words = new Uint32Array(larger.buffer);
    }
    const w = this.words;
    const a = new Uint32Array(added.buffer, added.byteOffset, n * 2);
    let i = this.count - 1;
    let j = n - 1;
    for (let k = total - 1; j >= 0; k--) {
      const fromOld = i >= 0 && (w[2 * i + 1] > a[2 * j + 1] || (w[2 * i + 1] === a[2 * j + 1] && w[2 * i] > a[2 * j]));
      if (fromOld) {
        w[2 * k] = w[2 * i]; w[2 * k + 1] = w[2 * i + 1];
        i--;
      } else {
        w[2 * k] = a[2 * j]; w[2 * k + 1] = a[2 * j + 1];
        j--;
      }
    }
    this.count = total;
    this.index();
  }

  /** Bytes held: the keys (with their spare room) and the directory. */
  get bytes(): number {
    return this.keys.byteLength + this.dir.byteLength;
  }

  /** The directory: about four to eight keys a bucket, by the top bits of the high word. */
  private index(): void {
    const bits = Math.max(1, Math.min(26, Math.floor(Math.log2(Math.max(this.count, 1) / 4))));
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
}
