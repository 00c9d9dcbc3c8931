/**
 * The project speaks in its own words: definitions live in docs/, and no source comment, user-facing
 * string or page points at a document that is not in the repository.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SCANNED = ['src', 'web/src', 'tools', 'docs', 'README.md'];
const OUTSIDE_DOCUMENT = [/\bSPEC\b/, /\bseed\s*#?\d{3}\b/i, /\bseed\s+trap\b/i, /\bseeds\//i];

function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full).flatMap((name) => (name === 'screenshots' ? [] : filesUnder(join(path, name))));
}

function outsideReferences(text: string): string[] {
  return text.split('\n').filter((line) => OUTSIDE_DOCUMENT.some((re) => re.test(line)));
}

describe('own words', () => {
  it('recognises a reference to an outside document', () => {
    expect(outsideReferences('/** Seed 003: watch the early signal */\nconst ok = 1;\n// see SPEC §4\n// (seed trap 4)')).toHaveLength(3);
    expect(outsideReferences('const spec = seeded(42); // random seed')).toEqual([]);
  });

  it('no file in src/, web/, tools/, docs/ or the README cites one', () => {
    const found = SCANNED.flatMap(filesUnder)
      .filter((f) => /\.(ts|tsx|md|css|html)$/.test(f))
      .flatMap((f) => outsideReferences(readFileSync(join(ROOT, f), 'utf8')).map((line) => `${f}: ${line.trim()}`));
    expect(found).toEqual([]);
  });
});
