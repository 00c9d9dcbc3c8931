import { InputError } from '../errors.js';

/** Digits, optionally grouped with underscores: 250, 1_000_000. */
const DIGITS = /^\d+(?:_\d+)*$/;

/** The whole number `text` spells (surrounding spaces allowed), when it lies from `min` to `max`; else undefined. */
export function readWholeNumber(text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const digits = text.trim();
  const n = DIGITS.test(digits) ? Number(digits.replace(/_/g, '')) : NaN;
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

/** `expected a whole number from 1 to 104` (or `≥ 1` without an upper bound). */
export function wholeNumberExpected(min = 0, max = Number.MAX_SAFE_INTEGER): string {
  return `expected a whole number ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}`;
}

/**
 * A whole number from `min` to `max` given as text (a flag, a query parameter, a form field);
 * otherwise an InputError naming it: `--weeks: expected a whole number from 1 to 104, got "x"`.
 */
export function wholeNumber(text: string, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = readWholeNumber(text, min, max);
  if (n === undefined) throw new InputError(`${name}: ${wholeNumberExpected(min, max)}, got ${JSON.stringify(text)}`);
  return n;
}
