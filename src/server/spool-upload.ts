import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type { FileFormat } from '../engine/ingest/sources.js';
import { bodyReceived } from './connections.js';
import { TruenorthError } from '../errors.js';

/**
 * Receives the upload into an owner-only temp file before anything is imported, outside the write
 * queue: a client that pauses holds its own connection only, and when the stall deadline cuts it,
 * nothing of its file has been imported. Runs `work` on the complete file, then removes it.
 */
export async function spoolUpload<T>(req: FastifyRequest, format: FileFormat, work: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-import-')); // created 0700
  const path = join(dir, `upload.${format}`);
  try {
    try {
      await pipeline(req.body as Readable, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      if (!req.raw.socket || req.raw.socket.destroyed) {
        throw new TruenorthError('upload_cut', 'the upload stopped before its end (it stalled past the deadline, or the client went away); nothing was imported');
      }
      throw error;
    }
    bodyReceived(req);
    return await work(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
