import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateFormula, formatFormula, formulaFactors, parseFormula, FormulaSyntaxError } from '../src/model/formula.js';
import { countSplit, formulaSplit, productSplit, rateSplit, type Pair } from '../src/reports/why-split.js';

const pairs = (o: Record<string, [number, number]>) => new Map(Object.entries(o).map(([k, [before, after]]) => [k, { before, after } as Pair]));

describe('formula parser', () => {
  it('parses precedence, parentheses and unary minus', () => {
    const f = parseFormula('a + b * (c - d) / 2 - -e');
    expect(formulaFactors(f)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(evaluateFormula(f, { a: 1, b: 4, c: 5, d: 3, e: 2 })).toBe(1 + (4 * 2) / 2 + 2);
    expect(formatFormula(parseFormula('a - (b - c)'))).toBe('a - (b - c)');
    expect(formatFormula(parseFormula('(a * b) * c'))).toBe('a * b * c');
  });

  it('says where a formula is wrong', () => {
    expect(() => parseFormula('a * ')).toThrow(/ends too early/);
    expect(() => parseFormula('a b')).toThrow(/expected an operator at column 3/);
    expect(() => parseFormula('a ^ b')).toThrow(/unexpected "\^" at column 3/);
    expect(() => parseFormula('(a * b')).toThrow(/expected "\)" at the end/);
    expect(() => parseFormula('   ')).toThrow(FormulaSyntaxError);
  });

  it('has no value for a missing input or a division by zero', () => {
    expect(evaluateFormula(parseFormula('a / b'), { a: 1, b: 0 })).toBeNull();
    expect(evaluateFormula(parseFormula('a * b'), { a: 1, b: null })).toBeNull();
  });
});

describe('splits', () => {
  it('a count: each segment its own change, summing to the total change', () => {
    const parts = countSplit(pairs({ ideal: [50, 40], not_ideal: [50, 48] }));
    expect(parts.map((p) => [p.segment, p.change])).toEqual([['ideal', -10], ['not_ideal', -2]]);
  });

  it('a planted mix shift (more non-ideal, same rates) is all mix', () => {
    // Ideal converts 40 %, not ideal 10 %, both weeks; not-ideal signups triple.
    const split = rateSplit(pairs({ ideal: [40, 40], not_ideal: [10, 30] }), pairs({ ideal: [100, 100], not_ideal: [100, 300] }))!;
    expect(split.rate_before).toBeCloseTo(0.25, 12);
    expect(split.rate_after).toBeCloseTo(70 / 400, 12);
    expect(split.rate).toBeCloseTo(0, 12);
    expect(split.mix).toBeCloseTo(split.change, 12);
  });

  it('a planted rate drop (same mix) is all rate, in the segment that dropped', () => {
    const split = rateSplit(pairs({ ideal: [40, 20], not_ideal: [10, 10] }), pairs({ ideal: [100, 100], not_ideal: [100, 100] }))!;
    expect(split.mix).toBeCloseTo(0, 12);
    expect(split.rate).toBeCloseTo(-0.1, 12);
    expect(split.segments[0]).toMatchObject({ segment: 'ideal', rate_before: 0.4, rate_after: 0.2 });
    expect(split.segments[0].rate).toBeCloseTo(-0.1, 12);
  });

  it('hand-worked mix and rate with midpoint weights', () => {
    // w: a 0.5 → 0.25, b 0.5 → 0.75; r: a 0.4 → 0.2, b 0.1 → 0.1.
    const split = rateSplit(pairs({ a: [40, 20], b: [10, 30] }), pairs({ a: [100, 100], b: [100, 300] }))!;
    // mix = (−0.25)(0.3) + (0.25)(0.1) = −0.05; rate = 0.375·(−0.2) + 0.625·0 = −0.075.
    expect(split.mix).toBeCloseTo(-0.05, 12);
    expect(split.rate).toBeCloseTo(-0.075, 12);
    expect(split.change).toBeCloseTo(0.125 - 0.25, 12);
  });

  it('a segment that appears is all mix', () => {
    const split = rateSplit(pairs({ a: [10, 10], b: [0, 5] }), pairs({ a: [100, 100], b: [0, 10] }))!;
    const b = split.segments.find((s) => s.segment === 'b')!;
    expect(b.rate).toBe(0);
    expect(b.rate_before).toBeNull();
    expect(split.mix + split.rate).toBeCloseTo(split.change, 12);
  });

  it('no base in a week: no rate to split', () => {
    expect(rateSplit(pairs({ a: [0, 1] }), pairs({ a: [0, 4] }))).toBeNull();
  });

  it('mix + rate = change and volume + conversion = change, for any numbers', () => {
    const seg = fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }));
    fc.assert(fc.property(fc.array(seg, { minLength: 1, maxLength: 5 }), (segments) => {
      const num = new Map(segments.map(([a, b, n0, n1], i) => [`s${i}`, { before: Math.min(a, n0), after: Math.min(b, n1) }]));
      const base = new Map(segments.map(([, , n0, n1], i) => [`s${i}`, { before: n0, after: n1 }]));
      const split = rateSplit(num, base)!;
      expect(split.mix + split.rate).toBeCloseTo(split.change, 9);
      const totals = (m: Map<string, Pair>) => [...m.values()].reduce((s, p) => ({ before: s.before + p.before, after: s.after + p.after }), { before: 0, after: 0 });
      const [n, c] = [totals(base), totals(num)];
      const { volume, conversion } = productSplit(n, { before: split.rate_before, after: split.rate_after });
      expect(volume + conversion).toBeCloseTo(c.after - c.before, 9);
    }));
  });
});

describe('formula split (Shapley)', () => {
  it('a product of two factors: hand-checked shares', () => {
    // 100 accounts × 5 messages → 120 × 4: change 480 − 500 = −20.
    const split = formulaSplit(parseFormula('accounts * per_account'), { accounts: 100, per_account: 5 }, { accounts: 120, per_account: 4 });
    if ('reason' in split) throw new Error(split.reason);
    // φ(accounts) = ½[(120·5 − 100·5) + (120·4 − 100·4)] = ½(100 + 80) = 90; φ(per) = ½[(100·4 − 500) + (480 − 600)] = −110.
    expect(split.factors.map((f) => [f.id, f.share])).toEqual([['accounts', 90], ['per_account', -110]]);
    expect(split.change).toBe(-20);
  });

  it('symmetric factors moving alike get equal shares; a factor that did not move gets none', () => {
    const split = formulaSplit(parseFormula('a * b * c'), { a: 2, b: 2, c: 7 }, { a: 3, b: 3, c: 7 });
    if ('reason' in split) throw new Error(split.reason);
    const [a, b, c] = split.factors.map((f) => f.share);
    expect(a).toBeCloseTo(b, 12);
    expect(c).toBe(0);
    // 63 − 28 = 35, shared equally by a and b.
    expect(a).toBeCloseTo(17.5, 12);
  });

  it('a sum splits into each term’s own change', () => {
    const split = formulaSplit(parseFormula('new + returning'), { new: 10, returning: 50 }, { new: 4, returning: 53 });
    if ('reason' in split) throw new Error(split.reason);
    expect(split.factors.map((f) => f.share)).toEqual([-6, 3]);
  });

  it('the shares add up to the change exactly, for any formula values', () => {
    const value = fc.integer({ min: 1, max: 1000 });
    fc.assert(fc.property(fc.array(fc.tuple(value, value), { minLength: 4, maxLength: 4 }), (v) => {
      const f = parseFormula('(a + b) * c / d');
      const before = { a: v[0][0], b: v[1][0], c: v[2][0], d: v[3][0] };
      const after = { a: v[0][1], b: v[1][1], c: v[2][1], d: v[3][1] };
      const split = formulaSplit(f, before, after);
      if ('reason' in split) throw new Error(split.reason);
      const sum = split.factors.reduce((s, x) => s + x.share, 0);
      expect(Math.abs(sum - split.change)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(split.change)));
    }));
  });

  it('says why it cannot split', () => {
    expect(formulaSplit(parseFormula('a / b'), { a: 1, b: 0 }, { a: 1, b: 2 })).toEqual({ reason: expect.stringMatching(/division by zero/) });
    expect(formulaSplit(parseFormula('a * b'), { a: 1, b: null }, { a: 1, b: 2 })).toEqual({ reason: 'no value for b in one of the two weeks' });
  });
});
