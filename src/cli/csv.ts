/** RFC 4180 CSV on standard output: CRLF after each record; a field with a comma, quote, CR or LF is quoted, its quotes doubled. */
export function formatCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[]): string {
  const quote = (v: string | number | boolean | null) => {
    const s = v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((record) => `${record.map(quote).join(',')}\r\n`).join('');
}
