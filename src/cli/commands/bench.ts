import type { Command } from 'commander';
import { registerBenchSuite } from '../../bench/cli.js';
import { InputError } from '../../errors.js';
import { benchIngest } from '../../server/bench.js';
import { formatTable, integer, printJson, progressBar } from '../output.js';
import { wholeNumber } from '../../model/whole-number.js';

function count(text: string, flag: string, min = 1, max = 100_000_000): number {
  return wholeNumber(text, flag, min, max);
}

/** The `bench` command (created here unless another module already added it): the full suite (its default) and `ingest`. */
export function registerBench(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('measure performance on generated data');
  registerBenchSuite(bench);
  bench
    .command('ingest')
    .description('HTTP ingestion with durable acks: events/s and request latency (p50/p99)')
    .option('--events <n>', 'events to send', '300000')
    .option('--batch <n>', 'events per request', '100')
    .option('--concurrency <n>', 'requests in flight (many SDK clients at once)', '64')
    .option('--dir <dir>', 'directory for the database (default: a temporary one, removed afterwards)')
    .option('--json', 'machine output')
    .action(async (flags: { events: string; batch: string; concurrency: string; dir?: string; json?: boolean }) => {
      const events = count(flags.events, '--events');
      const batch = count(flags.batch, '--batch', 1, 2_500);
      const concurrency = count(flags.concurrency, '--concurrency', 1, 1_024);
      const bar = progressBar('sending', 'rows');
      const result = await benchIngest({ events, batch, concurrency, dir: flags.dir, onProgress: (done, total) => bar.update(done, total) })
        .finally(() => bar.stop());
      if (result.stored !== events) throw new InputError(`only ${result.stored} of ${events} acknowledged events were stored`);
      if (flags.json) return printJson(result);
      console.log(`HTTP ingestion, durable acks (each 2xx after commit + fsync), ${result.cores} cores`);
      console.log(formatTable(
        ['events', 'batch', 'in flight', 'seconds', 'events/s', 'p50 ms', 'p99 ms', 'max ms', 'events/commit'],
        [[integer(result.events), result.batch, result.concurrency, result.seconds, integer(result.events_per_second), result.p50_ms, result.p99_ms, result.max_ms, integer(result.avg_events_per_flush)]],
      ));
      if (result.retried) console.log(`${result.retried} requests were told to retry (429/503) and were sent again`);
    });
}
