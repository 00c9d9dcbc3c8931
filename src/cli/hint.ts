import { DEFAULT_DB_PATH } from '../engine/duckdb/database.js';

/** How the user started truenorth: through npm (`npx truenorth`, `npm run`) or as a command on the PATH. */
function invocation(): string {
  return process.env.npm_command ? 'npx truenorth' : 'truenorth';
}

function shellWord(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A truenorth command to print in a hint, ready to paste in another terminal of the same folder:
 * it names the database when it is not the default one, so it reaches the same file (or its server).
 */
export function commandFor(args: string, dbPath: string): string {
  const db = dbPath === DEFAULT_DB_PATH || dbPath === 'truenorth.duckdb' ? '' : ` --db ${shellWord(dbPath)}`;
  return `${invocation()}${db} ${args}`;
}
