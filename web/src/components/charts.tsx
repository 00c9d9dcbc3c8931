import { useEffect, useState } from 'react';

/**
 * Shared chart settings: one restrained palette, compact axes. The colours are the stylesheet's
 * variables (var(--chart-…)): SVG fills and strokes resolve them, so the charts follow dark mode
 * with the rest of the page.
 */
const v = (name: string) => `var(--chart-${name})`;

export const COLOURS = {
  primary: v('primary'),
  primarySoft: v('primary-soft'),
  ideal: v('ideal'),
  notIdeal: v('neutral'),
  good: v('good'),
  goodSoft: v('good-soft'),
  bad: v('bad'),
  warn: v('warn'),
  teal: v('teal'),
  grid: v('grid'),
  axis: v('axis'),
  /** Text drawn on a chart (value labels). */
  label: v('label'),
  /** Bars that are context, not the point (answer counts, "other"). */
  mutedBar: v('muted-bar'),
  /** A zero or reference line. */
  zero: v('zero'),
  series: [v('primary'), v('teal'), v('ideal'), v('warn'), v('pink'), v('slate')],
};

export const AXIS_TICK = { fontSize: 11, fill: COLOURS.axis };
export const LABEL_STYLE = { fontSize: 11, fill: COLOURS.label };
export const TOOLTIP_STYLE = {
  fontSize: 12, borderRadius: 6, border: '1px solid var(--tooltip-line)', background: 'var(--tooltip-bg)', color: 'var(--text)', boxShadow: '0 2px 8px rgba(0,0,0,.08)',
};

/** True on a phone-sized screen: charts shorten their labels there so they never overlap. */
export function useNarrow(maxWidth = 600): boolean {
  const query = `(max-width: ${maxWidth}px)`;
  const [narrow, setNarrow] = useState(() => typeof window !== 'undefined' && window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const update = () => setNarrow(list.matches);
    update();
    list.addEventListener('change', update);
    return () => list.removeEventListener('change', update);
  }, [query]);
  return narrow;
}
