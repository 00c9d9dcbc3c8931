/** The narrowest a funnel bar is drawn, as a share of its track: a step of a few actors stays visible (its number says how few). */
export const MIN_BAR_SHARE = 0.04;

/** A bar's drawn width as a share of its track: its count over the first step's, at least MIN_BAR_SHARE. */
export function barWidth(actors: number, first: number): number {
  return Math.max(MIN_BAR_SHARE, Math.min(1, first > 0 ? actors / first : 0));
}
