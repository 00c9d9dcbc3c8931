/** A count of events and the first (and last) one's instant, per event name when `event` is there. */
export interface CountRow {
  event?: string;
  n: number;
  first_ms: number | null;
  /** The last one's instant, when asked for. */
  last_ms?: number | null;
}

export interface ValueRow {
  period: string;
  value: number | null;
}

/** A period's kept row plus the rows stored since (at most one row each): values added, a missing row counts nothing. */
export function addValues(kept: readonly ValueRow[], added: readonly ValueRow[]): ValueRow[] {
  if (added.length === 0) return [...kept];
  if (kept.length === 0) return [...added];
  return [{ ...kept[0], value: Number(kept[0].value ?? 0) + Number(added[0].value ?? 0) }];
}

export function mergeCounts(kept: CountRow[], added: CountRow[]): CountRow[] {
  const out = new Map(kept.map((r) => [r.event ?? '', { ...r }]));
  for (const r of added) {
    const n = Number(r.n);
    if (n === 0) continue;
    const was = out.get(r.event ?? '');
    if (!was || Number(was.n) === 0) out.set(r.event ?? '', { ...r, n });
    else {
      const last = was.last_ms === undefined ? {} : { last_ms: Math.max(Number(was.last_ms), Number(r.last_ms)) };
      out.set(r.event ?? '', { ...was, n: Number(was.n) + n, first_ms: Math.min(Number(was.first_ms), Number(r.first_ms)), ...last });
    }
  }
  return [...out.values()].sort((a, b) => ((a.event ?? '') < (b.event ?? '') ? -1 : 1));
}
