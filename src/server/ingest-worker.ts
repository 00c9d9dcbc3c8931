/** A thread of the parse pool (parse-pool.ts): parses the ingestion requests it is sent, one at a time. */
import { parentPort } from 'node:worker_threads';
import { parseIngest, type ParseJob } from './ingest-parse.js';

parentPort?.on('message', ({ id, job }: { id: number; job: ParseJob }) => {
  void parseIngest(job).then(
    (outcome) => parentPort!.postMessage({ id, outcome }),
    (e: unknown) => parentPort!.postMessage({ id, crash: e instanceof Error ? e.message : String(e) }),
  );
});
parentPort?.postMessage({ ready: true });
