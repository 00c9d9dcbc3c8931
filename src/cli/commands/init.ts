import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { exampleConfigYaml } from '../../config/template.js';
import { TruenorthError } from '../../errors.js';
import { configPath, type GlobalOptions } from '../context.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented example truenorth.yaml')
    .option('--product <name>', 'product name', 'My Product')
    .option('--force', 'overwrite an existing file')
    .action((options: { product: string; force?: boolean }) => {
      const path = configPath(program.opts<GlobalOptions>());
      if (existsSync(path) && !options.force) {
        throw new TruenorthError('conflict', `${path} already exists; pass --force to overwrite it`);
      }
      writeFileSync(path, exampleConfigYaml(options.product));
      process.stdout.write(`wrote ${path}; edit it, then run \`truenorth lint\`\n`);
    });
}
