import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/**
 * The development tools sit beside src/ in a checkout of the repository (tools/, above everything:
 * they import the product, never the other way round). The published package leaves them out, so
 * there these commands say so and exit 2.
 */
const TOOLS_DIR = fileURLToPath(new URL('../../../tools/', import.meta.url));

const NOT_INSTALLED = 2;

/** Where TypeScript's loader is, from this package (the tools run from source); null without dev dependencies. */
function tsxLoader(): string | null {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return null;
  }
}

function runTool(entry: string, args: string[]): Promise<number> {
  const loader = tsxLoader();
  if (!loader) return Promise.resolve(unavailable('the tools run from source with tsx, a development dependency: run npm install in the checkout'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', loader, entry, ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function unavailable(why: string): number {
  process.stderr.write(`truenorth: ${why}\n`);
  return NOT_INSTALLED;
}

/**
 * `truenorth bench ...`: hands every argument to tools/bench/main.ts (`npm run bench`), with the
 * program's `--engine` when given, and exits with its code.
 */
export function registerDevTools(program: Command): void {
  program
    .command('bench')
    .description('measure performance on generated data (a development tool in tools/bench; see docs/performance.md)')
    .argument('[args...]', 'the bench\'s own options and commands (truenorth bench --help)')
    .helpOption(false)
    .allowUnknownOption()
    .action(async (args: string[], _flags: object, command: Command) => {
      const entry = join(TOOLS_DIR, 'bench', 'main.ts');
      if (!existsSync(entry)) {
        process.exitCode = unavailable('bench is a development tool, not part of the installed package: run it from a checkout of the repository (npm run bench)');
        return;
      }
      const engine = command.optsWithGlobals<{ engine?: string }>().engine;
      process.exitCode = await runTool(entry, [...(engine ? ['--engine', engine] : []), ...args]);
    });
}
