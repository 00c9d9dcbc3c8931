// String.prototype.isWellFormed / toWellFormed (ES2024, in Node 20) are newer than the project's lib.
type WellFormedString = { isWellFormed(): boolean; toWellFormed(): string };

export const isWellFormed = (s: string): boolean => (s as unknown as WellFormedString).isWellFormed();
export const toWellFormed = (s: string): string => (s as unknown as WellFormedString).toWellFormed();

/** The string with each lone surrogate replaced by U+FFFD (the string itself when it has none). */
export function wellFormed(s: string): string {
  return isWellFormed(s) ? s : toWellFormed(s);
}

/** A deep copy of a JSON value whose strings and keys are well formed. */
export function wellFormedCopy(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(wellFormedCopy);
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    Object.defineProperty(copy, wellFormed(key), { value: wellFormedCopy(v), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
