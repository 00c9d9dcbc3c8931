import type { Command } from 'commander';
import { formatTable, integer, printJson, progressBar } from '../../src/cli/output.js';
import { InputError } from '../../src/errors.js';
import { benchIngest } from './ingest.js';
import type { EventsInsert } from '../../src/engine/ingest/writer.js';
import { wholeNumber } from '../../src/model/whole-number.js';

/** `bench ingest`: the HTTP ingestion test alone, against the real server. */
export function registerIngest(bench: Command): void {
  bench
    .command('ingest')
    .description('HTTP ingestion with durable acks: events/s and request latency (p50/p99)')
    .option('--events <n>', 'events to send', '300000')
    .option('--batch <n>', 'events per request', '100')
    .option('--concurrency <n>', 'requests in flight (many SDK clients at once)', '64')
    .option('--parse-threads <n>', 'threads that parse and validate requests (default: the cores less 2, at most 4; 0: on the writing thread)')
    .option('--insert <how>', 'how the server inserts events: appender (the default) or statement (one INSERT on the database\'s threads)')
    .option('--dir <dir>', 'directory for the database (default: a temporary one, removed afterwards)')
    .option('--json', 'machine output')
    .action(async (flags: { events: string; batch: string; concurrency: string; parseThreads?: string; insert?: string; dir?: string; json?: boolean }) => {
      const events = wholeNumber(flags.events, '--events', 1, 100_000_000);
      const batch = wholeNumber(flags.batch, '--batch', 1, 2_500);
      const concurrency = wholeNumber(flags.concurrency, '--concurrency', 1, 1_024);
      const parseThreads = flags.parseThreads === undefined ? undefined : wholeNumber(flags.parseThreads, '--parse-threads', 0, 64);
      if (flags.insert !== undefined && flags.insert !== 'appender' && flags.insert !== 'statement') {
        throw new InputError(`--insert: expected appender or statement, got ${JSON.stringify(flags.insert)}`);
      }
      const eventsInsert = flags.insert as EventsInsert | undefined;
      const bar = progressBar('sending', 'rows');
      const result = await benchIngest({ events, batch, concurrency, parseThreads, eventsInsert, dir: flags.dir, onProgress: (done, total) => bar.update(done, total) })
        .finally(() => bar.stop());
      if (result.stored !== events) throw new InputError(`only ${result.stored} of ${events} acknowledged events were stored`);
      if (flags.json) return printJson(result);
      console.log(`HTTP ingestion, durable acks (each 2xx after commit + fsync), ${result.cores} cores`);
      console.log(formatTable(
        ['events', 'batch', 'in flight', 'seconds', 'events/s', 'p50 ms', 'p99 ms', 'max ms', 'events/commit', 'CPU ms/1k events'],
        [[integer(result.events), result.batch, result.concurrency, result.seconds, integer(result.events_per_second), result.p50_ms, result.p99_ms, result.max_ms, integer(result.avg_events_per_flush), result.cpu_ms_per_1k_events]],
      ));
      if (result.retried) console.log(`${result.retried} requests were told to retry (429/503) and were sent again`);
    });
}
