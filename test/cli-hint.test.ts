import { afterEach, describe, expect, it, vi } from 'vitest';
import { commandFor } from '../src/cli/hint.js';

/** The commands hints print: as the user started truenorth, on the same database. */
describe('commandFor', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('names the database unless it is the default one, quoted for the shell', () => {
    vi.stubEnv('npm_command', '');
    expect(commandFor('keys create', './truenorth.duckdb')).toBe('truenorth keys create');
    expect(commandFor('keys create', 'truenorth.duckdb')).toBe('truenorth keys create');
    expect(commandFor('keys create', 'data/shop.duckdb')).toBe('truenorth --db data/shop.duckdb keys create');
    expect(commandFor('keys create', "/srv/team's data.duckdb")).toBe(`truenorth --db '/srv/team'\\''s data.duckdb' keys create`);
  });

  it('goes through npx when truenorth was started through npm', () => {
    vi.stubEnv('npm_command', 'exec');
    expect(commandFor('keys create --kind secret', './truenorth.duckdb')).toBe('npx truenorth keys create --kind secret');
  });
});
