/**
 * Which NDJSON lines may go to DuckDB's typed read (ndjson-sql.ts), checked on the bytes in one pass
 * of a regular expression over each run of lines. A line is staged only when it is one object on its
 * own (`{` first, `}` last, nothing around them) and holds nothing the typed read would get wrong:
 *
 * - NaN or Infinity (any case, signed) where a value goes, or a comma before `}` or `]`: DuckDB's
 *   reader takes them, `JSON.parse` refuses the line;
 * - a JSON null under a key the normaliser tells apart from an absent one (the typed read gives NULL
 *   for both): `type`, the timestamps, `distinct_id`, PostHog's person updates, and a page's `url` and
 *   `path`; a key spelled with an escape before `: null` too. At any depth: a nested key of one of
 *   these names only sends its line to the normaliser.
 *
 * Every match may be inside a string: that line then goes to the normaliser, which is never wrong.
 */
const NULL_KEYS = ['type', 'distinct_id', 'timestamp', 'originalTimestamp', 'receivedAt', 'sentAt', 'sent_at', '\\$set', '\\$set_once', '\\$unset', 'url', 'path'];

const SUSPECT = new RegExp([
  '[:,\\[][ \\t]*[-+]?(?:[nN][aA][nN]|[iI][nN][fF])',
  ',[ \\t]*[\\]}]',
  `"(?:${NULL_KEYS.join('|')})"[ \\t]*:[ \\t]*null`,
  '\\\\u00[0-7][0-9a-fA-F][^"]*"[ \\t]*:[ \\t]*null',
].join('|'), 'g');

/** Byte offsets in `body` (plain UTF-8 or ASCII) where a suspect form starts, in order. */
export function suspectOffsets(body: Buffer): number[] {
  // Latin-1 maps each byte to one character: offsets stay byte offsets, and the patterns are ASCII.
  const text = body.toString('latin1');
  const out: number[] = [];
  SUSPECT.lastIndex = 0;
  for (let m = SUSPECT.exec(text); m; m = SUSPECT.exec(text)) out.push(m.index);
  return out;
}

/** Longer lines are left to the normaliser. */
export const MAX_STAGED_LINE = 1 << 20;

/** True when the line `body[start, end)` is one object on its own, within the size staged. */
export function stageable(body: Buffer, start: number, end: number): boolean {
  return end - start >= 2 && end - start <= MAX_STAGED_LINE && body[start] === 123 && body[end - 1] === 125;
}
