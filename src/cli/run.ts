import { CommanderError, type Command } from 'commander';
import { isTruenorthError } from '../errors.js';
import { errorLine } from './hint.js';

/** The arguments each program is running with (after node and the script), for its error lines. */
const ARGUMENTS = new WeakMap<Command, readonly string[]>();

/**
 * A program's parse errors are one line (a suggestion as the whole corrected command), followed by
 * where to find its usage; they throw instead of exiting.
 */
export function withOneLineErrors(program: Command, usageHint: string): Command {
  program.showHelpAfterError(usageHint).exitOverride();
  program.configureOutput({ outputError: (text, write) => write(errorLine(text, ARGUMENTS.get(program) ?? []) + '\n') });
  return program;
}

/** Runs a program (set up by `withOneLineErrors`); returns the exit code. Errors are one line on stderr, never a stack trace. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  ARGUMENTS.set(program, argv.slice(2));
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isTruenorthError(e)) {
      process.stderr.write(`truenorth: ${e.message}\n`);
      return e.exitCode;
    }
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    process.stderr.write(`truenorth: unexpected error: ${message}\n`);
    if (process.env.TRUENORTH_DEBUG) console.error(e);
    return 1;
  }
}
