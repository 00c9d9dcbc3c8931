/**
 * Colour contrast as WCAG 2 measures it (relative luminance, contrast ratio), and the retention
 * heatmap's scale: a light-to-dark blue whose text colour is whichever of black and white contrasts
 * more, which keeps every cell at 4.5:1 or better (AA for normal text).
 */
export type Rgb = [number, number, number];

export const AA_NORMAL_TEXT = 4.5;
const HEAT_LOW: Rgb = [0xef, 0xf6, 0xff];
const HEAT_HIGH: Rgb = [0x1e, 0x3a, 0x8a];
const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];

/** `#1e3a8a` or `rgb(30, 58, 138)` → [30, 58, 138]. */
export function parseColour(text: string): Rgb {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text.trim());
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
  const parts = text.match(/[\d.]+/g);
  if (!parts || parts.length < 3) throw new Error(`not a colour: ${text}`);
  return [Number(parts[0]), Number(parts[1]), Number(parts[2])];
}

export function luminance([r, g, b]: Rgb): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const css = ([r, g, b]: Rgb) => `rgb(${r}, ${g}, ${b})`;

/** The cell colours for a share `t` of the scale (0: palest, 1: darkest). */
export function heatColours(t: number): { background: string; color: string } {
  const a = Math.max(0, Math.min(1, t));
  const bg = HEAT_LOW.map((lo, i) => Math.round(lo + (HEAT_HIGH[i] - lo) * a)) as Rgb;
  const text = contrastRatio(bg, BLACK) >= contrastRatio(bg, WHITE) ? BLACK : WHITE;
  return { background: css(bg), color: css(text) };
}
