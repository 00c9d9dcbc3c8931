import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg, correlationPValue, normalCdf, normalUpperTail, pearson, twoProportionTest,
} from '../src/reports/stats.js';

/** Q(x) = P(Z > x), 20 significant digits (mpmath, 30-digit arithmetic). */
const UPPER_TAIL: [number, number][] = [
  [0, 0.5],
  [0.5, 0.30853753872598689636],
  [1, 0.15865525393145705141],
  [1.5, 0.066807201268858066004],
  [1.96, 0.024997895148220436213],
  [2, 0.0227501319481792072],
  [2.5, 0.006209665325776135167],
  [3, 0.0013498980316300945267],
  [3.5, 0.00023262907903552503635],
  [4, 0.000031671241833119921254],
  [5, 2.8665157187919391167e-7],
  [6, 9.865876450376981407e-10],
  [8, 6.2209605742717841235e-16],
  [10, 7.619853024160526066e-24],
  [20, 2.7536241186062336951e-89],
  [37, 5.7255712225245768227e-300],
];

describe('the normal distribution', () => {
  it('matches 30-digit reference values: absolute error < 1e-7 everywhere, relative error < 1e-12 in the tail', () => {
    for (const [x, q] of UPPER_TAIL) {
      expect(Math.abs(normalUpperTail(x) - q)).toBeLessThan(1e-7);
      expect(Math.abs(normalUpperTail(x) - q) / q).toBeLessThan(1e-12);
      expect(Math.abs(normalCdf(-x) - q) / q).toBeLessThan(1e-12);
      expect(Math.abs(normalCdf(x) - (1 - q))).toBeLessThan(1e-15);
    }
  });

  it('stays accurate on both sides of x = 3, where the series hands over to the continued fraction', () => {
    const around: [number, number][] = [
      [2.999, 0.0013543365337271066511], [3.001, 0.001345472825084965989],
      [2.9999999, 0.0013498984748150021982], [3.0000001, 0.0013498975884453198106],
    ];
    for (const [x, q] of around) expect(Math.abs(normalUpperTail(x) - q) / q).toBeLessThan(1e-12);
  });

  it('is a distribution: Φ(x) + Φ(−x) = 1, monotone, in [0, 1]', () => {
    fc.assert(fc.property(fc.double({ min: -40, max: 40, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), (x, d) => {
      expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 14);
      expect(normalCdf(x + d)).toBeGreaterThanOrEqual(normalCdf(x));
      expect(normalCdf(x)).toBeGreaterThanOrEqual(0);
      expect(normalCdf(x)).toBeLessThanOrEqual(1);
    }));
    expect(normalUpperTail(Infinity)).toBe(0);
    expect(normalUpperTail(-Infinity)).toBe(1);
    expect(normalUpperTail(NaN)).toBeNaN();
  });
});

describe('two-proportion z-test (pooled, two-sided)', () => {
  it('matches scipy', () => {
    const a = twoProportionTest(60, 120, 56, 280);
    expect(a.z).toBeCloseTo(6.059443278155597, 12);
    expect(a.pValue / 1.3659348413296086e-9).toBeCloseTo(1, 10);
    const b = twoProportionTest(45, 100, 30, 100);
    expect(b.z).toBeCloseTo(2.1908902300206647, 12);
    expect(b.pValue).toBeCloseTo(0.02845973691631055, 12);
    expect(twoProportionTest(5, 10, 1, 10).pValue).toBeCloseTo(0.050961936967763306, 12);
  });

  it('is symmetric and gives p = 1 when there is nothing to compare', () => {
    expect(twoProportionTest(1, 10, 5, 10).pValue).toBe(twoProportionTest(5, 10, 1, 10).pValue);
    expect(twoProportionTest(0, 10, 0, 30).pValue).toBe(1);
    expect(twoProportionTest(10, 10, 30, 30).pValue).toBe(1);
    expect(twoProportionTest(3, 0, 1, 10).pValue).toBe(1);
  });
});

describe('Benjamini–Hochberg', () => {
  it("matches R's p.adjust(method = 'BH')", () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.5]);
    [0.025, 0.05, 0.05, 0.025, 0.5].forEach((v, i) => expect(q[i]).toBeCloseTo(v, 15));
    expect(benjaminiHochberg([])).toEqual([]);
    expect(benjaminiHochberg([0.2])).toEqual([0.2]);
  });

  it('never lowers a p-value, keeps the order of p-values, and caps at 1', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 }), (ps) => {
      const q = benjaminiHochberg(ps);
      for (let i = 0; i < ps.length; i++) {
        expect(q[i]).toBeGreaterThanOrEqual(ps[i]);
        expect(q[i]).toBeLessThanOrEqual(1);
        for (let j = 0; j < ps.length; j++) if (ps[i] < ps[j]) expect(q[i]).toBeLessThanOrEqual(q[j]);
      }
    }));
  });
});

describe('Pearson correlation', () => {
  it('matches scipy and its Fisher-z p-value', () => {
    expect(pearson([1, 2, 3, 4, 5, 6, 7, 8], [2.1, 3.9, 6.2, 7.8, 10.1, 12.2, 13.8, 16.1])).toBeCloseTo(0.999419474795813, 12);
    const r = pearson([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8])!;
    expect(r).toBeCloseTo(0.2096553190730121, 12);
    expect(correlationPValue(r, 8)).toBeCloseTo(0.6341745515175666, 10);
  });

  it('is ±1 on lines, null without variation or pairs, and invariant to scale and shift', () => {
    expect(pearson([1, 2, 3], [5, 7, 9])).toBeCloseTo(1, 15);
    expect(pearson([1, 2, 3], [9, 7, 5])).toBeCloseTo(-1, 15);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(pearson([1, 2], [1, 2])).toBeNull();
    expect(correlationPValue(0.5, 3)).toBeNull();
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 })), { minLength: 3, maxLength: 30 }),
      fc.integer({ min: 1, max: 50 }), fc.integer({ min: -100, max: 100 }),
      (pairs, scale, shift) => {
        const xs = pairs.map((p) => p[0]);
        const ys = pairs.map((p) => p[1]);
        const r = pearson(xs, ys);
        const s = pearson(xs.map((x) => x * scale + shift), ys);
        if (r === null) expect(s).toBeNull();
        else expect(s).toBeCloseTo(r, 9);
      },
    ));
  });
});
