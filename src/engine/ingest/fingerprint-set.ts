/** A message id's MD5 as four little-endian 32-bit words (`fingerprint` in dedupe-index.ts). */
export type Fingerprint = [number, number, number, number];

/**
 * A set of whole 128-bit fingerprints: an open-addressing table of Uint32 lanes, 16 bytes a slot, at
 * most 75 % full, empty slots all zero (no fingerprint is). It holds the ids claimed since the dedupe
 * index last merged, so a repeat of a recent id is answered exactly without the store.
 */
export class FingerprintSet {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor() {
    this.slots = new Uint32Array(INITIAL_SLOTS * 4);
    this.mask = INITIAL_SLOTS - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a fingerprint; false when it was already present. */
  add(f: Fingerprint): boolean {
    if (this.count + 1 > (this.mask + 1) * 0.75) this.grow();
    return this.insert(f[0], f[1], f[2], f[3]);
  }

  has(f: Fingerprint): boolean {
    const s = this.slots;
    let i = f[0] & this.mask;
    for (;;) {
      const o = i * 4;
      if (s[o] === 0 && s[o + 1] === 0 && s[o + 2] === 0 && s[o + 3] === 0) return false;
      if (s[o] === f[0] && s[o + 1] === f[1] && s[o + 2] === f[2] && s[o + 3] === f[3]) return true;
      i = (i + 1) & this.mask;
    }
  }

  /** Calls `visit` with every fingerprint held, in no particular order: its words are `slots[offset, offset + 4)`. */
  forEachSlot(visit: (slots: Uint32Array, offset: number) => void): void {
    const s = this.slots;
    for (let o = 0; o < s.length; o += 4) {
      if (s[o] || s[o + 1] || s[o + 2] || s[o + 3]) visit(s, o);
    }
  }

  /** Empties the set, keeping its room (it fills up to the same size again). */
  clear(): void {
    this.slots.fill(0);
    this.count = 0;
  }

  private insert(a: number, b: number, c: number, d: number): boolean {
    const s = this.slots;
    let i = a & this.mask;
    for (;;) {
      const o = i * 4;
      if (s[o] === 0 && s[o + 1] === 0 && s[o + 2] === 0 && s[o + 3] === 0) {
        s[o] = a; s[o + 1] = b; s[o + 2] = c; s[o + 3] = d;
        this.count++;
        return true;
      }
      if (s[o] === a && s[o + 1] === b && s[o + 2] === c && s[o + 3] === d) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.slots.length / 4 - 1;
    this.count = 0;
    for (let o = 0; o < old.length; o += 4) {
      if (old[o] || old[o + 1] || old[o + 2] || old[o + 3]) this.insert(old[o], old[o + 1], old[o + 2], old[o + 3]);
    }
  }
}

const INITIAL_SLOTS = 1 << 12;
