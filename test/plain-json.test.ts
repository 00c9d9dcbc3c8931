/**
 * The fast path's pattern of plain properties: every text it matches is a flat object that
 * JavaScript's JSON round trip gives back unchanged, checked on random texts built to sit on the
 * edges (numbers in every notation, keys of digits, escapes, spaces, nesting), and on known cases.
 * Duplicate keys it cannot see; the guard checks those apart.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLAIN_OBJECT } from '../src/engine/ingest/plain-json.js';

async function matches(texts: string[]): Promise<boolean[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT regexp_full_match(t, '${PLAIN_OBJECT.replaceAll("'", "''")}') AS m FROM (SELECT unnest(from_json($texts::JSON, '["VARCHAR"]')) AS t, generate_subscripts(from_json($texts::JSON, '["VARCHAR"]'), 1) AS i) ORDER BY i`,
      { texts: JSON.stringify(texts) },
    );
    return reader.getRowObjectsJS().map((r) => r.m === true);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const roundTrips = (text: string) => {
  try {
    const value = JSON.parse(text) as unknown;
    const scalar = (v: unknown) => v === null || typeof v !== 'object';
    const plain = (v: unknown) => scalar(v) || (Array.isArray(v) ? v.every(scalar) : Object.values(v as object).every(scalar));
    return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(plain)
      && JSON.stringify(value) === text;
  } catch {
    return false;
  }
};

/** Whether a generated inner object's keys are distinct (JSON.parse keeps the last of a repeated key). */
function innerKeysDistinct(text: string): boolean {
  const keys = [...text.matchAll(/[{,]("(?:[^"\\]|\\.)*"):/g)].map((m) => m[1]);
  return new Set(keys).size === keys.length;
}

const digits = fc.stringMatching(/^[0-9]{1,18}$/);
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).chain((d) => fc.integer({ min: 0, max: 17 }).map((n) => d.toFixed(n))),
  fc.double({ noNaN: true, noDefaultInfinity: true }).chain((d) => fc.integer({ min: 0, max: 16 }).map((n) => d.toExponential(n))),
  fc.tuple(fc.boolean(), digits, fc.option(digits)).map(([neg, a, b]) => `${neg ? '-' : ''}${a}${b === null ? '' : `.${b}`}`),
  fc.constantFrom('0', '-0', '0.0001', '0.00001', '1e5', '1E5', '100.0', '1.50', '123456789012345', '1234567890123456', '-0.5', '10.00001'),
);
const keyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), digits, fc.constantFrom('account_id', '__proto__', ''));
const scalarText = fc.oneof(
  numberText,
  fc.string({ unit: 'binary', maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.string({ maxLength: 8 }).map((s) => `"${s}"`),
  fc.constantFrom('true', 'false', 'null', '{}', '[]', '[[1]]', '{"a":{}}', 'NaN', 'True'),
);
const valueText = fc.oneof(
  { arbitrary: scalarText, weight: 4 },
  fc.array(scalarText, { maxLength: 3 }).map((vs) => `[${vs.join(',')}]`),
  fc.array(fc.tuple(keyText, scalarText), { maxLength: 3 }).map((ps) => `{${ps.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
);
const objectText = fc.tuple(fc.array(fc.tuple(keyText, valueText), { maxLength: 5 }), fc.constantFrom('', ' ', '\n'))
  .map(([pairs, space]) => ({
    text: `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${space}${v}`).join(',')}}`,
    distinctKeys: new Set(pairs.map(([k]) => k)).size === pairs.length && pairs.every(([, v]) => !v.startsWith('{') || innerKeysDistinct(v)),
  }));

describe('PLAIN_OBJECT', () => {
  it('matches only texts the JSON round trip gives back unchanged (duplicate keys aside)', async () => {
    // Duplicate keys are the guard's other check: only texts with distinct keys are judged here.
    const texts = fc.sample(objectText, { numRuns: 20_000, seed: 20 }).filter((o) => o.distinctKeys).map((o) => o.text);
    const verdicts = await matches(texts);
    const wrong = texts.filter((t, i) => verdicts[i] && !roundTrips(t));
    expect(wrong).toEqual([]);
    // The pattern is not vacuous: it takes most of the plain texts.
    const plain = texts.filter(roundTrips);
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(plain.length / 4);
  });

  it('takes plain numbers, strings and literals, and nothing else', async () => {
    const yes = ['{}', '{"a":1}', '{"a":{"b":1},"c":[1,"x",null]}', '{"$groups":{"company":"acct_1"},"$lib":"web"}', '{"a":[],"b":{}}', '{"a":-0.5,"b":0.0001,"c":123456789012345}', '{"a":"é✓😀\u2028","b":null,"c":true,"d":false}', '{"":1}', '{"a1":12.5}'];
    const no = ['{"a":-0}', '{"a":0.00001}', '{"a":1.50}', '{"a":100.0}', '{"a":1e5}', '{"a":1234567890123456}', '{"12":1}', '{"a":{"b":{"c":1}}}',
      '{"a":[[1]]}', '{"a":[{"b":1}]}', '{"a":{"1":2}}', '{"a":{"b":1,"c":2}}', '{"a":{"b":1.50}}', '{"a":{"b": 1}}', '{"a":"x\\\\y"}', '{"a": 1}', '[1]', 'null', '{"a":"\u0001"}', '{"a":01}', '{"a":1,}'];
    expect(await matches(yes)).toEqual(yes.map(() => true));
    expect(await matches(no)).toEqual(no.map(() => false));
  });
});
