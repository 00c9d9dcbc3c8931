/**
 * A report command derived from its read in the catalogue: its options are the read's parameters
 * (`minUsers` → `--min-users <value>`, a switch → `--weekly`), it runs the same operation as
 * `GET /api/v1/<name>`, and prints the answer as text, or as the same JSON with `--json`.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { Config } from '../config/schema/index.js';
import type { ReadOperation } from '../app/operation.js';
import { prepareRead } from '../app/run.js';
import { kebabCase } from '../app/wire.js';
import { modelFromConfig } from '../config/model.js';
import { readConfig, withEngine, type GlobalOptions } from './context.js';
import { printJson } from './output.js';
import { replayEngine, viaServer } from './remote.js';

export type CommandFlags = Record<string, string | boolean | undefined>;

interface ReadCommandSpec<R> {
  description: string;
  /** Options of the command line alone (how many rows a table shows): `[flags, description, default]`. */
  options?: [string, string, string?][];
  /** The subcommand its parent runs when given none. */
  isDefault?: boolean;
  /** Checks the command line's own options before anything is read. */
  check?(flags: CommandFlags): void;
  /** The text the command prints; without it the JSON is the output. */
  print?(report: R, flags: CommandFlags, config: Config): void | Promise<void>;
}

/** Adds the read's parameters to `cmd` as options. */
export function addParamOptions(cmd: Command, op: ReadOperation): Command {
  const schema = z.toJSONSchema(op.params, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { description?: string; type?: string | string[] }>;
  };
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const isSwitch = [property.type].flat().includes('boolean');
    cmd.option(isSwitch ? `--${kebabCase(key)}` : `--${kebabCase(key)} <value>`, property.description ?? '');
  }
  return cmd;
}

/** Runs a read on the chosen engine, or through the server that holds the file. */
export async function runReadCommand<R>(program: Command, op: ReadOperation<z.ZodObject<z.ZodRawShape>, R>, flags: CommandFlags): Promise<{ report: R; config: Config }> {
  const globals = program.opts<GlobalOptions>();
  const config = readConfig(globals);
  const model = modelFromConfig(config);
  const read = prepareRead(op, flags, 'cli');
  const report = await withEngine(globals, config, (engine) => read.run(engine, config, model), true)
    // While `truenorth serve` holds the file, the same read runs on rows the server sends back.
    .catch((e) => viaServer(e, globals, config, async (server) => read.run(await replayEngine(server, program, flags, read.asOf), config, model)));
  return { report, config };
}

/** `parent <name>` (or `parent <command>`) for the read `op`. */
export function readCommand<R>(
  program: Command, op: ReadOperation<z.ZodObject<z.ZodRawShape>, R>, spec: ReadCommandSpec<R>, parent: Command = program, command = op.name, json = true,
): Command {
  const cmd = parent.command(command, { isDefault: spec.isDefault }).description(spec.description);
  addParamOptions(cmd, op as ReadOperation);
  for (const [flags, description, fallback] of spec.options ?? []) cmd.option(flags, description, fallback);
  if (json) cmd.option('--json', 'machine output (the JSON of docs/reports.md)');
  cmd.action(async (flags: CommandFlags) => {
    spec.check?.(flags);
    const { report, config } = await runReadCommand(program, op, flags);
    if (flags.json || !spec.print) return printJson(report);
    await spec.print(report, flags, config);
  });
  return cmd;
}
