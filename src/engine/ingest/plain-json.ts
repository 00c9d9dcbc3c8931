/**
 * A regular expression (RE2, as DuckDB's `regexp_full_match` runs it) for JSON text that
 * `JSON.stringify(JSON.parse(text))` gives back unchanged: the properties the Parquet fast path may
 * store as they are, checked in one pass over the text.
 *
 * - an object, minified (no whitespace), whose values are scalars (strings, numbers, true, false,
 *   null), arrays of scalars, or objects of at most one scalar (PostHog's `$groups` of one group);
 * - strings and keys without a backslash or a control character (so nothing to escape: a string
 *   holds no quote either), keys not made of digits alone (JavaScript orders those first);
 * - numbers JavaScript prints back unchanged: no exponent, at most 15 digits in all (so the decimal
 *   is the shortest that reads back as its double), no fraction ending in 0, no fraction starting with
 *   four zeros (JavaScript prints 1e-7 and below with an exponent), and not `-0`.
 *
 * Text that matches is valid JSON when it is valid UTF-8 (a DuckDB string always is). Duplicate keys
 * of the outer object are the one thing the pattern cannot see: the guard checks them apart. `test/plain-json.test.ts`
 * checks, on random texts, that every match survives the JavaScript round trip.
 */

/** A fraction of at most `max` digits: ends in 1-9, starts with at most three zeros. */
function fraction(max: number): string {
  return max >= 5 ? `0{0,3}[1-9](?:[0-9]{0,${max - 5}}[1-9])?` : `0{0,${max - 1}}[1-9]`;
}

const MAX_DIGITS = 15;

function numberPattern(): string {
  const decimals = [`0\\.${fraction(MAX_DIGITS - 1)}`];
  for (let whole = 1; whole < MAX_DIGITS; whole++) decimals.push(`[1-9][0-9]{${whole - 1}}\\.${fraction(MAX_DIGITS - whole)}`);
  return `-?(?:[1-9][0-9]{0,${MAX_DIGITS - 1}}|${decimals.join('|')})|0`;
}

const CHAR = '[^"\\\\\\x00-\\x1f]';
const STRING = `"${CHAR}*"`;
const KEY = `"(?:${CHAR}*[^"\\\\\\x00-\\x1f0-9]${CHAR}*)?"`;
const SCALAR = `(?:${STRING}|true|false|null|${numberPattern()})`;
// One key at most: an inner object cannot repeat a key, so the guard checks only the outer keys.
const INNER_OBJECT = `\\{(?:${KEY}:${SCALAR})?\\}`;
const INNER_ARRAY = `\\[(?:${SCALAR}(?:,${SCALAR})*)?\\]`;
const VALUE = `(?:${SCALAR}|${INNER_OBJECT}|${INNER_ARRAY})`;

/** The whole text must match (`regexp_full_match`). */
export const PLAIN_OBJECT = `\\{(?:${KEY}:${VALUE}(?:,${KEY}:${VALUE})*)?\\}`;

/**
 * SQL: true when a list of keys (`json_keys` of an object, a column) holds no key twice. In a short
 * list every key's first position must be its own (about 2.5 times cheaper than a distinct set per
 * row at 1M rows); a long one is counted distinct.
 */
export function keysDistinct(keys: string): string {
  return `CASE WHEN len(${keys}) <= 64 THEN NOT coalesce(list_bool_or(list_transform(${keys}, lambda k, i: list_position(${keys}, k) <> i)), FALSE)
    ELSE len(list_distinct(${keys})) = len(${keys}) END`;
}
