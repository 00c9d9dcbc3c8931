import { hash } from 'node:crypto';

/**
 * The set of stored message ids, as 128-bit MD5 fingerprints in an open-addressing table of
 * Uint32 lanes (16 bytes a slot, at most 75 % full). Exact dedupe without a database index: DuckDB's
 * primary-key index slows to ~25k rows/s on random ids as the table grows, while this stays O(1).
 * Two different ids share a fingerprint with probability ~2⁻¹²⁸ per pair.
 */
export class DedupeIndex {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1 << 16) {
    let capacity = 1 << 16;
    while (capacity * 0.75 < expected) capacity *= 2;
    this.slots = new Uint32Array(capacity * 4);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a fingerprint; false when it was already present. */
  add(f: Fingerprint): boolean {
    if ((this.count + 1) > (this.mask + 1) * 0.75) this.grow();
    return this.insert(f[0], f[1], f[2], f[3]);
  }

  has(f: Fingerprint): boolean {
    let i = f[0] & this.mask;
    const s = this.slots;
    for (;;) {
      const o = i * 4;
      if (s[o] === 0 && s[o + 1] === 0 && s[o + 2] === 0 && s[o + 3] === 0) return false;
      if (s[o] === f[0] && s[o + 1] === f[1] && s[o + 2] === f[2] && s[o + 3] === f[3]) return true;
      i = (i + 1) & this.mask;
    }
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

export type Fingerprint = [number, number, number, number];

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

export function fingerprintFromValue(v: bigint): Fingerprint {
  const m = 0xffffffffn;
  return [Number(v & m), Number((v >> 32n) & m), Number((v >> 64n) & m), Number((v >> 96n) & m)];
}
