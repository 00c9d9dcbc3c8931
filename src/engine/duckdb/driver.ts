/**
 * DuckDB's driver, loaded when a store is first opened rather than when the program starts: a
 * command that opens no store (`--help`, `init`, `lint` without data) never pays for its native
 * library. Code that runs on an open store reaches it through `duckDbDriver()`.
 */
type Driver = typeof import('@duckdb/node-api');

let driver: Driver | undefined;

export async function loadDuckDbDriver(): Promise<Driver> {
  driver ??= await import('@duckdb/node-api');
  return driver;
}

/** The driver, once a store has loaded it (every caller holds an open store or appender). */
export function duckDbDriver(): Driver {
  if (!driver) throw new Error('the DuckDB driver is used before any store was opened');
  return driver;
}
