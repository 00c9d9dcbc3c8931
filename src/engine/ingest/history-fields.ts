/** Fields as other tools' exports write them, read the same way for every source. */

/** An id: a string or a number; absent when missing or empty. Throws naming the field otherwise. */
export function exportId(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw new Error(`${field}: expected a string`);
  return value;
}

/**
 * A time as exports write it: ISO-8601, or `2024-01-02 03:04:05.678901` with no zone, which is UTC
 * (JavaScript would read it as local time). Fractions past milliseconds are dropped.
 */
export function utcTime(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return text;
  const fraction = m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : '';
  return `${m[1]}T${m[2]}${fraction}${m[4] ?? 'Z'}`;
}
