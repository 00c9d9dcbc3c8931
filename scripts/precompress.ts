/**
 * A Vite plugin: beside each text file of the build, its Brotli (best quality) and gzip forms, so
 * `truenorth serve` sends the smallest encoding the browser accepts without compressing per request.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(?:js|css|html|svg|json|txt)$/;
/** Below this a response fits in a packet or two either way (the server's own on-the-fly threshold). */
const MIN_BYTES = 1024;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

export async function precompressFolder(dir: string): Promise<void> {
  const br = promisify(brotliCompress);
  const gz = promisify(gzip);
  await Promise.all(filesUnder(dir).filter((f) => COMPRESSIBLE.test(f) && statSync(f).size >= MIN_BYTES).map(async (file) => {
    const bytes = readFileSync(file);
    const [brotli, gzipped] = await Promise.all([
      br(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
      gz(bytes, { level: 9 }),
    ]);
    writeFileSync(`${file}.br`, brotli);
    writeFileSync(`${file}.gz`, gzipped);
  }));
}

/** The build's output folder as resolved (`--outDir` on the command line included). */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'truenorth-precompress',
    apply: 'build',
    configResolved: (config) => {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle: () => precompressFolder(outDir),
  };
}
