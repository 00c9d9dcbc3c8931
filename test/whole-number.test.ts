import { describe, expect, it } from 'vitest';
import { wholeNumber } from '../src/model/whole-number.js';

describe('wholeNumber', () => {
  it('reads digits, grouped or not, within the range', () => {
    expect(wholeNumber('13', '--weeks', 1, 104)).toBe(13);
    expect(wholeNumber(' 7 ', '--weeks', 1, 104)).toBe(7);
    expect(wholeNumber('1_000_000', '--users', 10, 10_000_000)).toBe(1_000_000);
    expect(wholeNumber('0', '--max-rejected')).toBe(0);
  });

  it('refuses anything else in one line naming the flag and the range', () => {
    expect(() => wholeNumber('105', '--weeks', 1, 104)).toThrow('--weeks: expected a whole number from 1 to 104, got "105"');
    expect(() => wholeNumber('0', '--port', 1)).toThrow('--port: expected a whole number ≥ 1, got "0"');
    for (const text of ['', '1.5', '-3', 'ten', '1e3', '0x10', '1__0', '_1', '99999999999999999999']) {
      expect(() => wholeNumber(text, '--n'), text).toThrow(`--n: expected a whole number ≥ 0, got ${JSON.stringify(text)}`);
    }
  });
});
