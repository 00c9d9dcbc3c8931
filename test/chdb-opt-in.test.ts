/**
 * The embedded ClickHouse engine (chdb) is installed separately: without it, asking for it says in
 * one line how to install it or to give a server URL. (The installed-package test runs the CLI
 * where chdb is really absent.)
 */
import { describe, expect, it } from 'vitest';
import { loadChdb } from '../src/engine/clickhouse/chdb.js';
import { ERROR_CODES, TruenorthError } from '../src/errors.js';

describe('loading chdb', () => {
  it('names the missing package and the two ways out', async () => {
    const error = await loadChdb('truenorth-no-such-engine').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TruenorthError);
    expect(error).toMatchObject({ code: 'engine_not_installed', exitCode: 1 });
    expect((error as Error).message).toBe('the embedded ClickHouse engine is not installed: run `npm install chdb` next to truenorth, or give a ClickHouse server URL');
    expect(ERROR_CODES.engine_not_installed.message).toBe((error as Error).message);
  });

  it('loads the engine when it is installed', async () => {
    const chdb = await loadChdb();
    expect(typeof chdb.Session).toBe('function');
  });
});
