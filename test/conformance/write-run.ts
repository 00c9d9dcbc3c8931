/**
 * Runs the write cases (`write-cases.ts`) on one engine, each on a fresh server over an empty store.
 * The gaps are not kept by hand: a case needs what its operations need in the catalogue and what its
 * routes need, and an engine lacking one of those in ENGINE_CAPABILITIES is asked instead: the case
 * must be refused (501) with that capability's reason. And each missing capability must be missing:
 * with it forced on, at least one case that needs it must still go wrong, or the gap is stale.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRead, WRITE_OPERATIONS } from '../../src/app/catalogue.js';
import { capabilityGaps, ENGINE_CAPABILITIES, firstGap, type Capability, type Capabilities } from '../../src/engine/capabilities.js';
import type { ClickHouseStore } from '../../src/engine/clickhouse/store.js';
import { expectSameAnswers, openChdb } from '../helpers/engines.js';
import type { EngineName } from './cases.js';
import { Refusal, startClient } from './server-client.js';
import { WRITES_CONFIG, WRITE_CASES, type WriteCase } from './write-cases.js';

/** What a case needs: its operations' needs in the catalogue and its routes'. */
export function caseNeeds(c: WriteCase): Capability[] {
  const needs = new Set<Capability>(c.routes);
  const ops = [...c.reads.map((name) => [name, findRead(name)] as const), ...c.writes.map((name) => [name, WRITE_OPERATIONS.find((w) => w.name === name)] as const)];
  for (const [name, op] of ops) {
    if (!op) throw new Error(`${c.name}: no operation ${name} in the catalogue`);
    for (const need of op.needs ?? []) needs.add(need);
  }
  return [...needs];
}

export function runWriteConformance(engine: EngineName): void {
  describe('writes through the server, read back', () => {
    let dir: string;
    let configPath: string;
    let ch: ClickHouseStore | undefined;
    let closeChdb: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'truenorth-write-conformance-'));
      configPath = join(dir, 'truenorth.yaml');
      writeFileSync(configPath, WRITES_CONFIG);
      if (engine === 'clickhouse') ({ store: ch, cleanup: closeChdb } = await openChdb());
    });
    afterAll(async () => {
      await closeChdb?.();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs the case on a fresh server that declares `capabilities` (by default what the engine declares). */
    async function runOn(on: EngineName, c: WriteCase, capabilities: Capabilities = ENGINE_CAPABILITIES[on]) {
      const client = await startClient(on, configPath, on === 'clickhouse' ? ch : undefined);
      (client.server.events as { capabilities: Capabilities }).capabilities = capabilities;
      try {
        return await c.run(client);
      } finally {
        await client.close();
      }
    }

    /** What the server says to a case it should refuse (undefined when it answers). */
    const refusalOf = (c: WriteCase, capabilities: Capabilities) => runOn(engine, c, capabilities).then(() => undefined, (e: unknown) => e);

    function expectRefused(refusal: unknown, reason: string): void {
      expect(refusal, 'the server should refuse').toBeInstanceOf(Refusal);
      expect(refusal).toMatchObject({ status: 501, code: 'not_supported' });
      expect((refusal as Refusal).message).toContain(reason);
    }

    /** The cases needing `capability` that answer right once every capability they lack is declared. */
    async function rightWhenForced(capability: Capability, capabilities: Capabilities): Promise<{ right: string[]; needing: number }> {
      const needing = WRITE_CASES.filter((c) => caseNeeds(c).includes(capability));
      const right: string[] = [];
      for (const c of needing) {
        const forced = { ...capabilities, ...Object.fromEntries(caseNeeds(c).map((need) => [need, true])) };
        const answer = await runOn(engine, c, forced).then((r) => r.answer, (e: unknown) => e);
        if (JSON.stringify(answer) === JSON.stringify(c.expected)) right.push(c.name);
      }
      return { right, needing: needing.length };
    }

    const declared = ENGINE_CAPABILITIES[engine];
    for (const c of WRITE_CASES) {
      const gap = firstGap(declared, caseNeeds(c));
      if (!gap) {
        it(c.name, async () => {
          const got = await runOn(engine, c);
          expect(got.answer).toEqual(c.expected);
          if (engine !== 'duckdb') expectSameAnswers(got.reads, (await runOn('duckdb', c)).reads);
        });
        continue;
      }
      it(`${c.name}: refused on ${engine}, which lacks ${gap.capability} (${gap.reason})`, async () => expectRefused(await refusalOf(c, declared), gap.reason));
    }
    for (const capability of Object.keys(capabilityGaps(declared)) as Capability[]) {
      if (!WRITE_CASES.some((c) => caseNeeds(c).includes(capability))) continue;
      it(`the ${capability} gap on ${engine} is real: forced on, a case that needs it still goes wrong`, async () => {
        const { right, needing } = await rightWhenForced(capability, declared);
        expect(right, `${engine} answers every case needing ${capability} right once it is declared: a stale gap`).not.toHaveLength(needing);
      });
    }

    if (engine === 'duckdb') {
      // The checks above run only where an engine lacks something; this proves them on a gap declared here.
      it('a declared gap is refused with its reason, and one the engine can close is caught as stale', async () => {
        const reason = 'a gap this test declares';
        const withGap: Capabilities = { ...declared, stripe: { gap: reason } };
        const stripeCase = WRITE_CASES.find((c) => caseNeeds(c).includes('stripe'))!;
        expectRefused(await refusalOf(stripeCase, withGap), reason);
        const { right, needing } = await rightWhenForced('stripe', withGap);
        expect(needing).toBeGreaterThan(0);
        expect(right).toHaveLength(needing);
      });
    }
  });
}
