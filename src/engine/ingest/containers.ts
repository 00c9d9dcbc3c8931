import { closeSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import { InputError } from '../../errors.js';

/**
 * How an export file is packed: gzip is recognised by its first bytes (a file or stdin, whatever its
 * name); a zip archive by its first bytes or its name, and only as a file (a zip is read from its end).
 */
const GZIP_MAGIC = [0x1f, 0x8b];
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

export function isZipFile(path: string): boolean {
  if (path === '-') return false;
  const head = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, head, 0, 4, 0);
    return n === 4 && ZIP_MAGIC.every((b, i) => head[i] === b);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The bytes of `input`, gunzipped when they start as gzip does (several gzip members in a row
 * included). A zip archive here (stdin, or a member of an archive) is refused in one line.
 */
export function plainBytes(input: AsyncIterable<Buffer | string>, name: string): Readable {
  return Readable.from(gunzipIfGzipped(input, name), { objectMode: false });
}

async function* gunzipIfGzipped(input: AsyncIterable<Buffer | string>, name: string): AsyncIterable<Buffer> {
  const chunks = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < ZIP_MAGIC.length) {
    const next = await chunks.next();
    if (next.done) {
      if (head.length) yield head;
      return;
    }
    head = Buffer.concat([head, toBuffer(next.value)]);
  }
  async function* all(): AsyncIterable<Buffer> {
    yield head;
    for (;;) {
      const next = await chunks.next();
      if (next.done) return;
      yield toBuffer(next.value);
    }
  }
  if (ZIP_MAGIC.every((b, i) => head[i] === b)) throw new InputError(`${name}: a zip archive is read only from a file given by its path`);
  if (!GZIP_MAGIC.every((b, i) => head[i] === b)) {
    yield* all();
    return;
  }
  const gunzip = createGunzip();
  pipeline(Readable.from(all()), gunzip, () => {}); // an error reaches the reader through `gunzip`
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (e) {
    throw new InputError(`${name}: not a readable gzip file (${(e as Error).message})`);
  }
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

/** One file of a zip archive, as it is read. */
export interface ZipMember {
  name: string;
  /** Its packed size, for progress. */
  packedSize: number;
  bytes: Readable;
}

/** The files of a zip archive, one after the other (folders skipped), each gunzipped when it is a gzip file. */
export async function* zipMembers(path: string): AsyncIterable<ZipMember> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (err, file) => {
      if (err || !file) reject(new InputError(`${path}: not a readable zip file (${err?.message ?? 'empty'})`));
      else resolve(file);
    });
  });
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        const onEntry = (e: yauzl.Entry) => { zip.off('end', onEnd); zip.off('error', onError); resolve(e); };
        const onEnd = () => { zip.off('entry', onEntry); zip.off('error', onError); resolve(undefined); };
        const onError = (e: Error) => { zip.off('entry', onEntry); zip.off('end', onEnd); reject(new InputError(`${path}: ${e.message}`)); };
        zip.once('entry', onEntry).once('end', onEnd).once('error', onError);
        zip.readEntry();
      });
      if (!entry) return;
      if (entry.fileName.endsWith('/')) continue;
      const raw = await zip.openReadStreamPromise(entry);
      yield { name: entry.fileName, packedSize: entry.compressedSize, bytes: plainBytes(raw, `${path} (${entry.fileName})`) };
    }
  } finally {
    zip.close();
  }
}
