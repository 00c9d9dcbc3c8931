/**
 * CSV as RFC 4180 writes it: comma-separated fields, CRLF between records, a field holding a
 * comma, a double quote, CR or LF enclosed in double quotes with its quotes doubled. Numbers are
 * written unformatted (full precision, no grouping, no unit); no value is an empty field.
 */
export type CsvValue = string | number | boolean | null | undefined;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header record and the data records, each ending in CRLF. */
export function toCsv(header: string[], rows: CsvValue[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',') + '\r\n').join('');
}

/** `journey-2026-W09-funnel.csv`: the page, the week and the table, in characters safe in any file system. */
export function csvFileName(page: string, week: string, table: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${[page, week, table].map(safe).filter(Boolean).join('-')}.csv`;
}

/** Hands the text to the browser as a download. */
export function downloadCsv(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
