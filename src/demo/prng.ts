/**
 * Small, seeded, deterministic randomness for the demo generator. No Math.random anywhere.
 *
 * - `mix32` is a bijective 32-bit integer hash (Chris Wellons' lowbias32).
 * - `hashKey` folds a few integers into a 32-bit stream key; every random stream in the demo is
 *   keyed by (seed, purpose, entity, period), so output never depends on generation order or chunking.
 * - `Rng` is mulberry32: fast, 32-bit state, good enough for simulation.
 * - `permute32` / `permute64` are keyed Feistel networks: bijections, so ids made from distinct
 *   counters are distinct (no collision checks needed) yet look random and change with the seed.
 */

export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A 32-bit key from up to four integers (each taken modulo 2^32). */
export function hashKey(a: number, b = 0, c = 0, d = 0): number {
  let h = mix32((a ^ 0x9e3779b9) >>> 0);
  h = mix32((h ^ Math.imul(b ^ 0x85ebca6b, 0x27d4eb2f)) >>> 0);
  h = mix32((h ^ Math.imul(c ^ 0xc2b2ae35, 0x165667b1)) >>> 0);
  h = mix32((h ^ Math.imul(d ^ 0x27d4eb2f, 0x9e3779b1)) >>> 0);
  return h;
}

/** Turns any user-supplied seed (possibly negative or fractional) into a 32-bit integer. */
export function normalizeSeed(seed: number): number {
  if (!Number.isFinite(seed)) return 0;
  const whole = Math.floor(seed);
  return (whole >>> 0) ^ (Math.floor(whole / 4294967296) >>> 0);
}

export class Rng {
  private state: number;

  constructor(key: number) {
    this.state = key >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Index drawn from cumulative weights (last entry = total). */
  weightedIndex(cumulative: readonly number[]): number {
    const u = this.next() * cumulative[cumulative.length - 1];
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given mean and sigma of the underlying normal. */
  lognormal(mean: number, sigma: number): number {
    return mean * Math.exp(sigma * this.normal() - (sigma * sigma) / 2);
  }

  /** Poisson-distributed count (Knuth below 30, rounded normal above). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

/** A weighted table ready for `Rng.weightedIndex`. */
export function cumulative(weights: readonly number[]): number[] {
  const out: number[] = [];
  let total = 0;
  for (const w of weights) {
    total += w;
    out.push(total);
  }
  return out;
}

/** A keyed bijection on 32-bit integers (4-round Feistel on 16-bit halves). */
export function permute32(x: number, key: number): number {
  let l = (x >>> 16) & 0xffff;
  let r = x & 0xffff;
  for (let round = 0; round < 4; round++) {
    const f = mix32((r ^ key ^ Math.imul(round + 1, 0x9e3779b9)) >>> 0) & 0xffff;
    const nextR = l ^ f;
    l = r;
    r = nextR;
  }
  return ((l << 16) | r) >>> 0;
}

let permutedHi = 0;
let permutedLo = 0;

/** A keyed bijection on 64-bit values given as two 32-bit halves; result in permutedHi/Lo. */
function permute64(hi: number, lo: number, key: number): void {
  let l = hi >>> 0;
  let r = lo >>> 0;
  for (let round = 0; round < 4; round++) {
    const f = mix32((r ^ key ^ Math.imul(round + 1, 0x85ebca6b)) >>> 0);
    const nextR = (l ^ f) >>> 0;
    l = r;
    r = nextR;
  }
  permutedHi = l;
  permutedLo = r;
}

const HEX = '0123456789abcdef';

function hex(value: number, digits: number): string {
  let out = '';
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += HEX[(value >>> shift) & 0xf];
  return out;
}

export function hex8(value: number): string {
  return hex(value >>> 0, 8);
}

/**
 * A version-4-shaped UUID that is unique for every distinct (hi, lo) pair under one key: all 64
 * bits of the keyed permutation appear in it; the rest is filler hashed from them.
 */
export function uuidFrom(hi: number, lo: number, key: number): string {
  permute64(hi, lo, key);
  const a = permutedHi;
  const b = permutedLo;
  const c = mix32((a ^ key ^ 0x5bd1e995) >>> 0);
  const d = mix32((b ^ c) >>> 0);
  return (
    hex(a, 8) + '-' +
    hex(b >>> 16, 4) + '-4' +
    hex((b >>> 4) & 0xfff, 3) + '-' +
    HEX[8 | (c & 3)] + HEX[b & 0xf] + hex((c >>> 8) & 0xff, 2) + '-' +
    hex(c >>> 16, 4) + hex(d, 8)
  );
}

/**
 * Low-variance (error-diffusion) sampling for the journey decisions: each call adds p to an
 * accumulator and says yes when it passes 1, so over any run of calls the number of yeses is within
 * one of the sum of the p's. Weekly step conversions then show no binomial noise even at small sizes
 * (the planted bottleneck stays the bottleneck every week); who says yes still follows each user's p.
 */
export class Quota {
  private acc: number;

  constructor(key: number) {
    this.acc = mix32(key) / 4294967296;
  }

  take(p: number): boolean {
    this.acc += p;
    if (this.acc >= 1) {
      this.acc -= 1;
      return true;
    }
    return false;
  }
}
