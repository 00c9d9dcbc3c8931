import { readFileSync } from 'node:fs';

/** The installed package's version, from its package.json (two folders up from both src/app and dist/app). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
