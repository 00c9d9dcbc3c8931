import { InputError } from '../errors.js';

/** Digits, optionally grouped with underscores: 250, 1_000_000. */
const DIGITS = /^\d+(?:_\d+)*$/;

/**
 * A whole number from `min` to `max` given as text (a flag, a query parameter, a form field);
 * otherwise an InputError naming it: `--weeks: expected a whole number from 1 to 104, got "x"`.
 */
export function wholeNumber(text: string, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const digits = text.trim();
  const n = DIGITS.test(digits) ? Number(digits.replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new InputError(`${name}: expected a whole number ${range}, got ${JSON.stringify(text)}`);
  }
  return n;
}
