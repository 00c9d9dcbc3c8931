import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, csvFileName, toCsv } from '../web/src/csv.js';
import { parseCsv } from './helpers/web-page.js';

describe('the dashboard\'s CSV export (RFC 4180)', () => {
  it('quotes only what needs it, doubles quotes, ends every record in CRLF', () => {
    expect(toCsv(['stage', 'actors', 'rate'], [
      ['signup', 1234, 0.19565217391304346],
      ['setup, "first"', null, -0.5],
      ['two\nlines', 0, 1e21],
    ])).toBe('stage,actors,rate\r\nsignup,1234,0.19565217391304346\r\n"setup, ""first""",,-0.5\r\n"two\nlines",0,1e+21\r\n');
  });

  it('writes numbers unformatted and no value as an empty field, never a zero', () => {
    expect(csvField(12345.678)).toBe('12345.678');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(0)).toBe('0');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField(true)).toBe('true');
  });

  it('reads back exactly what it wrote', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\r', '\n', 'é', '1') });
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 5 }), fc.array(fc.array(fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true })), { minLength: 1, maxLength: 5 }), { maxLength: 6 }), (header, rows) => {
      expect(parseCsv(toCsv(header, rows))).toEqual([header, ...rows.map((r) => r.map((v) => (typeof v === 'number' ? String(v) : v)))]);
    }));
  });

  it('names the file after the page, the week and the table', () => {
    expect(csvFileName('journey', '2026-W09', 'funnel')).toBe('journey-2026-W09-funnel.csv');
    expect(csvFileName('scorecard', '2026-W09', 'by week/all')).toBe('scorecard-2026-W09-by-week-all.csv');
  });
});
