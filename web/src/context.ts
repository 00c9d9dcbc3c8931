import { createContext, useContext } from 'react';
import type { DashboardContext, Segment } from './types';

/** What every page needs: the server's context, the week picked and the segment. */
export interface View {
  ctx: DashboardContext;
  week: string;
  /** The as_of that makes `week` the last complete week: passed to every report. */
  asOf: string;
  segment: Segment;
  /** True when `week` is the newest week with data. */
  latest: boolean;
}

export const ViewContext = createContext<View | null>(null);

export function useView(): View {
  const view = useContext(ViewContext);
  if (!view) throw new Error('useView outside the dashboard');
  return view;
}
