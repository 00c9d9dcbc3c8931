/**
 * A set of fingerprint keys, 4 bytes a key: the keys are sorted by a bucket of their top bits, the
 * directory holds each bucket's start (a Uint32 a bucket, about 4 to 8 keys a bucket), and each key
 * keeps only the 32 bits that follow its bucket's (its word, in a Uint32Array with up to 1/8 spare
 * room for merges). A key is known to `precision` bits: the directory's bits when the set was made
 * plus 32. As the set grows the directory takes more bits and each word fewer (its low bits are then
 * zero), so the precision never changes: two keys equal in their top `precision` bits are one key
 * here. The dedupe index checks such a match against the store, so sharing bits is a rare extra
 * check, never a wrong answer.
 *
 * A 64-bit key is given as its low and high 32-bit words; its bucket is the top `bits` bits of the
 * high word and its word the 32 bits below them, masked to the precision.
 */
export class SortedKeys {
  private bits: number;
  /** The directory's bits when the set was made: the words keep bits + 32 bits of each key. */
  private readonly firstBits: number;

  /** `words[0, count)` sorted by bucket then word, `dir[b]` the start of bucket b (dir[2^bits] = count). */
  constructor(private words: Uint32Array, private dir: Uint32Array, private count: number, bits: number) {
    this.bits = bits;
    this.firstBits = bits;
  }

  get size(): number {
    return this.count;
  }

  /** Bits of each key held: two keys equal in these are one key here. */
  get precision(): number {
    return this.firstBits + 32;
  }

  /** Bytes held: the words (with their spare room) and the directory. */
  get bytes(): number {
    return this.words.byteLength + this.dir.byteLength;
  }

  has(low: number, high: number): boolean {
    const bucket = high >>> (32 - this.bits);
    const word = wordOf(low, high, this.bits, this.mask());
    const w = this.words;
    for (let i = this.dir[bucket], end = this.dir[bucket + 1]; i < end; i++) {
      if (w[i] === word) return true;
      if (w[i] > word) return false;
    }
    return false;
  }

  /**
   * Merges sorted 64-bit keys in (`added[0, n)`), in place from the back: each added key finds its
   * place through the directory and the older words after it move up in one block copy, so the cost
   * is about one memmove of the words, not a step per key. The directory grows first if the set's
   * size asks for more bits.
   */
  merge(added: BigUint64Array, n: number): void {
    const total = this.count + n;
    const bits = directoryBits(total, this.firstBits);
    if (bits > this.bits) this.regrow(bits);
    if (this.words.length < total) {
      const larger = new Uint32Array(Math.ceil(total * 1.125));
      larger.set(this.words.subarray(0, this.count));
      this.words = larger;
    }
    const pairs = new Uint32Array(added.buffer, added.byteOffset, n * 2);
    const buckets = new Uint32Array(n);
    const words = new Uint32Array(n);
    const mask = this.mask();
    for (let j = 0; j < n; j++) {
      buckets[j] = pairs[2 * j + 1] >>> (32 - this.bits);
      words[j] = wordOf(pairs[2 * j], pairs[2 * j + 1], this.bits, mask);
    }
    let end = this.count;
    for (let j = n - 1; j >= 0; j--) {
      // Older words before `end` have not moved yet, so the directory still finds them.
      const at = this.lowerBound(buckets[j], words[j], end);
      this.words.copyWithin(at + j + 1, at, end);
      this.words[at + j] = words[j];
      end = at;
    }
    this.count = total;
    // Each bucket's start moves up by the added keys of the buckets before it.
    let j = 0;
    for (let b = 0; b < this.dir.length; b++) {
      while (j < n && buckets[j] < b) j++;
      this.dir[b] += j;
    }
  }

  /** The first position before `end` whose key is not below (bucket, word). */
  private lowerBound(bucket: number, word: number, end: number): number {
    const w = this.words;
    let i = this.dir[bucket];
    const last = Math.min(this.dir[bucket + 1], end);
    while (i < last && w[i] < word) i++;
    return Math.min(i, end);
  }

  /**
   * The directory at more bits: each word's top bits move into its bucket (the order is unchanged:
   * by bucket then word is by key), the word's low bits become zero.
   */
  private regrow(bits: number): void {
    const more = bits - this.bits;
    const dir = new Uint32Array(2 ** bits + 1);
    const w = this.words;
    let next = 0;
    for (let b = 0; b + 1 < this.dir.length; b++) {
      for (let i = this.dir[b], end = this.dir[b + 1]; i < end; i++) {
        const bucket = b * 2 ** more + (w[i] >>> (32 - more));
        while (next <= bucket) dir[next++] = i;
        w[i] = w[i] << more;
      }
    }
    while (next < dir.length) dir[next++] = this.count;
    this.dir = dir;
    this.bits = bits;
  }

  /** Keeps a word's top `precision - bits` bits. */
  private mask(): number {
    return (0xffffffff << (this.bits - this.firstBits)) >>> 0;
  }
}

/** The 32 bits of a 64-bit key after its top `bits`, masked. */
export function wordOf(low: number, high: number, bits: number, mask: number): number {
  return (((high << bits) | (low >>> (32 - bits))) & mask) >>> 0;
}

/** At least this many directory bits: the keys then keep at least 52 bits of each fingerprint. */
export const MIN_DIRECTORY_BITS = 20;
const MAX_DIRECTORY_BITS = 26;

/** The directory's bits for `count` keys: about four to eight keys a bucket, at least `minBits`. */
export function directoryBits(count: number, minBits: number = MIN_DIRECTORY_BITS): number {
  const fit = Math.min(MAX_DIRECTORY_BITS, Math.floor(Math.log2(Math.max(count, 1) / 4)));
  return Math.max(minBits, Math.max(1, fit));
}
