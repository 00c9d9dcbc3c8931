import { describe, expect, it } from 'vitest';
import { AA_NORMAL_TEXT, contrastRatio, heatColours, luminance, parseColour } from '../web/src/contrast.js';

describe('colour contrast (WCAG 2)', () => {
  it('measures the known ratios', () => {
    expect(luminance([255, 255, 255])).toBeCloseTo(1, 12);
    expect(luminance([0, 0, 0])).toBe(0);
    expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 9);
    // #767676 on white is the classic grey that just passes AA: 4.54:1.
    expect(contrastRatio(parseColour('#767676'), parseColour('#ffffff'))).toBeCloseTo(4.54, 2);
    expect(parseColour('rgb(30, 58, 138)')).toEqual([30, 58, 138]);
  });

  it('gives every cell of the retention heatmap text at 4.5:1 or better, across the whole scale', () => {
    let worst = Infinity;
    for (let i = 0; i <= 1000; i++) {
      const { background, color } = heatColours(i / 1000);
      worst = Math.min(worst, contrastRatio(parseColour(background), parseColour(color)));
    }
    expect(worst).toBeGreaterThanOrEqual(AA_NORMAL_TEXT);
    // The scale's ends: dark text on the palest cell, white on the darkest.
    expect(heatColours(0).color).toBe('rgb(0, 0, 0)');
    expect(heatColours(1).color).toBe('rgb(255, 255, 255)');
  });
});
