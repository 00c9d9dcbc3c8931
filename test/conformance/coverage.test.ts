/**
 * The conformance tables cover the whole catalogue: every read (src/app/catalogue.ts) has a case in
 * the report table (`cases.ts`) or the write table (`write-cases.ts`), every write a case in the write
 * table, and every name a case gives is an operation of the catalogue. An operation added without a
 * case fails here.
 */
import { describe, expect, it } from 'vitest';
import { READ_OPERATIONS, WRITE_OPERATIONS } from '../../src/app/catalogue.js';
import { CASES } from './cases.js';
import { WRITE_CASES } from './write-cases.js';
import { caseNeeds } from './write-run.js';

describe('the conformance tables cover the catalogue', () => {
  it('every read has a case', () => {
    const covered = new Set([...CASES.map((c) => c.read), ...WRITE_CASES.flatMap((c) => c.reads)]);
    expect(READ_OPERATIONS.map((op) => op.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it('every write has a case that writes through the server and reads the result back', () => {
    const covered = new Set(WRITE_CASES.filter((c) => c.reads.length > 0).flatMap((c) => c.writes));
    expect(WRITE_OPERATIONS.map((op) => op.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it('every operation a case names is in the catalogue', () => {
    const reads = new Set(READ_OPERATIONS.map((op) => op.name));
    expect(CASES.filter((c) => !reads.has(c.read)).map((c) => `${c.name}: ${c.read}`)).toEqual([]);
    for (const c of WRITE_CASES) expect(() => caseNeeds(c), c.name).not.toThrow();
  });
});
