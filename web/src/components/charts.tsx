import { useEffect, useState } from 'react';
/** Shared chart settings: one restrained palette, compact axes. */
export const COLOURS = {
  primary: '#2563eb',
  primarySoft: '#93c5fd',
  ideal: '#7c3aed',
  notIdeal: '#94a3b8',
  good: '#15803d',
  bad: '#dc2626',
  warn: '#d97706',
  grid: '#e5e7eb',
  axis: '#6b7280',
  series: ['#2563eb', '#0d9488', '#7c3aed', '#d97706', '#db2777', '#64748b'],
};

export const AXIS_TICK = { fontSize: 11, fill: COLOURS.axis };
export const TOOLTIP_STYLE = { fontSize: 12, borderRadius: 6, border: '1px solid #e5e7eb', boxShadow: '0 2px 8px rgba(0,0,0,.08)' };

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
