/**
 * The copy-paste check (.jscpd.json, docs/architecture.md): jscpd finds no clone in src/ and
 * web/src/ but those listed below, which other work in progress is folding; a fixture with a
 * deliberate clone proves the check finds one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const FIXTURE = 'test/fixtures/duplication';

/** Clones being folded right now, as the pair of files (sorted), each by the stream named above it. A listed one no longer found fails. */
const PENDING_CLONES: [string, string][] = [
];

interface Clone {
  lines: number;
  firstFile: { name: string; start: number; end: number };
  secondFile: { name: string; start: number; end: number };
}

const pair = (c: Clone) => [c.firstFile.name, c.secondFile.name].sort().join(' ↔ ');
const where = (c: Clone) => `${c.firstFile.name}:${c.firstFile.start}-${c.firstFile.end} ↔ ${c.secondFile.name}:${c.secondFile.start}-${c.secondFile.end}`;

describe('the copy-paste check', () => {
  const out = mkdtempSync(join(tmpdir(), 'truenorth-jscpd-'));
  let clones: Clone[];
  beforeAll(() => {
    const config = JSON.parse(readFileSync(join(ROOT, '.jscpd.json'), 'utf8')) as { path: string[] };
    const bin = join(ROOT, 'node_modules', 'jscpd', 'bin', 'jscpd');
    // One run over the tree and the fixture: starting jscpd is the slow part.
    execFileSync(process.execPath, [bin, '--config', '.jscpd.json', '--reporters', 'json', '--output', out, '--silent', ...config.path, FIXTURE], { cwd: ROOT, stdio: 'pipe' });
    ({ duplicates: clones } = JSON.parse(readFileSync(join(out, 'jscpd-report.json'), 'utf8')) as { duplicates: Clone[] });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('finds the deliberate clone in the fixture', () => {
    const found = clones.filter((c) => c.firstFile.name.startsWith(FIXTURE) || c.secondFile.name.startsWith(FIXTURE));
    expect(found.map(pair)).toEqual([`${FIXTURE}/first.ts ↔ ${FIXTURE}/second.ts`]);
    expect(found[0].lines).toBeGreaterThanOrEqual(6);
  });

  it('finds no clone in src/ and web/src/ but the pending ones, and every pending one is still there', () => {
    const tree = clones.filter((c) => !c.firstFile.name.startsWith(FIXTURE));
    const pending = PENDING_CLONES.map((p) => [...p].sort().join(' ↔ '));
    expect(tree.filter((c) => !pending.includes(pair(c))).map(where), 'new clones: fold them').toEqual([]);
    const found = new Set(tree.map(pair));
    expect(pending.filter((p) => !found.has(p)), 'stale PENDING_CLONES entries (remove them)').toEqual([]);
  });
});
