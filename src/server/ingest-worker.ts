/**
 * A thread of the parse pool (parse-pool.ts): parses the ingestion requests it is sent, one at a time.
 * The answer crosses as JSON text: parsing it back costs the writing thread about 60 % of a structured
 * clone of the same messages (many small objects), and the messages came from JSON, so nothing is lost.
 */
import { parentPort } from 'node:worker_threads';
import { parseIngest, type ParseJob } from './ingest-parse.js';

parentPort?.on('message', ({ id, job }: { id: number; job: ParseJob }) => {
  void parseIngest(job).then(
    (outcome) => parentPort!.postMessage({ id, outcome: JSON.stringify(outcome) }),
    (e: unknown) => parentPort!.postMessage({ id, crash: e instanceof Error ? e.message : String(e) }),
  );
});
parentPort?.postMessage({ ready: true });
