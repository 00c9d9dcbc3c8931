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

const UNKNOWN = /^error: unknown (command|option) '([^']*)'\n\(Did you mean (\S+)\?\)/;

/**
 * Commander's "unknown command / option" error with its suggestion, as one line that shows the whole
 * command the user meant (their own arguments, the typo replaced), ready to paste. Other errors: their first line.
 */
export function errorLine(text: string, args: readonly string[]): string {
  const [first] = text.split('\n');
  const match = UNKNOWN.exec(text);
  if (!match) return first;
  const [, kind, typo, meant] = match;
  const at = args.findIndex((a) => a === typo || (kind === 'option' && a.startsWith(`${typo}=`)));
  if (at < 0) return `${first}; did you mean ${meant}?`;
  const fixed = args.map((a, i) => (i === at ? meant + a.slice(typo.length) : a));
  return `${first}; did you mean: ${[invocation(), ...fixed.map(shellWord)].join(' ')}`;
}
