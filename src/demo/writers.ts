/**
 * Output: a file writer that respects backpressure, and the day timeline that collects one day's
 * NDJSON lines, keeps lines for later days aside, and writes the day sorted by timestamp.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Sink } from './shapes.js';
import { DAY_MS } from '../model/time.js';

export class FileWriter {
  private readonly stream: WriteStream;
  private failure: Error | null = null;
  bytes = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  async write(chunk: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.bytes += Buffer.byteLength(chunk);
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    this.stream.end();
    await once(this.stream, 'finish');
  }

  /** Abandons the file after a failure elsewhere. */
  destroy(): void {
    this.stream.destroy();
  }
}

interface Bucket {
  ts: number[];
  lines: string[];
}

const LINES_PER_WRITE = 2000;

/**
 * Receives every message. Lines of the current day are buffered; lines dated later (an export that
 * finishes after midnight, a return visit next week) wait in their day's bucket; lines at or after
 * the end of the data window are dropped.
 */
export class Timeline implements Sink {
  private current: Bucket = { ts: [], lines: [] };
  private readonly later = new Map<number, Bucket>();
  private dayStart = 0;
  private dayEnd = 0;
  lines = 0;

  constructor(private readonly startMs: number, private readonly endMs: number) {}

  begin(day: number): void {
    this.dayStart = this.startMs + day * DAY_MS;
    this.dayEnd = this.dayStart + DAY_MS;
    this.current = this.later.get(day) ?? { ts: [], lines: [] };
    this.later.delete(day);
  }

  emit(ts: number, line: string): void {
    if (ts >= this.endMs) return;
    if (ts < this.dayEnd) {
      if (ts < this.dayStart) throw new Error(`demo: a message dated ${new Date(ts).toISOString()} arrived after its day was written`);
      this.current.ts.push(ts);
      this.current.lines.push(line);
      return;
    }
    const day = Math.floor((ts - this.startMs) / DAY_MS);
    let bucket = this.later.get(day);
    if (!bucket) {
      bucket = { ts: [], lines: [] };
      this.later.set(day, bucket);
    }
    bucket.ts.push(ts);
    bucket.lines.push(line);
  }

  /** Writes the current day in timestamp order (ties keep the order they were emitted in). */
  async flush(out: FileWriter): Promise<void> {
    const { ts, lines } = this.current;
    const n = lines.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => ts[a] - ts[b] || a - b);
    for (let i = 0; i < n; i += LINES_PER_WRITE) {
      let chunk = '';
      const end = Math.min(n, i + LINES_PER_WRITE);
      for (let j = i; j < end; j++) chunk += lines[order[j]] + '\n';
      await out.write(chunk);
    }
    this.lines += n;
    this.current = { ts: [], lines: [] };
  }
}
