/**
 * The published package: what `npm pack` puts in it (the built CLI, the docs the README links, the
 * licence; no development tools), and what `truenorth bench` says in an installed copy, which has
 * no tools/.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'truenorth-package-'));
let packed: string[] = [];

/** A copy of the checkout's packaging inputs (tools/ and src/ included, to see them left out) with a fresh build in dist/. */
beforeAll(() => {
  for (const entry of ['package.json', 'README.md', 'LICENSE', 'bin', 'docs', 'src', 'tools']) cpSync(join(repo, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { encoding: 'utf8' });
  expect(build.stdout + build.stderr).toBe('');
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' });
  expect(pack.status, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack', () => {
  it('holds the CLI, its build, the licence and the docs', () => {
    for (const file of ['package.json', 'README.md', 'LICENSE', 'bin/truenorth.js', 'dist/cli/main.js', 'dist/server/app.js', 'docs/performance.md']) {
      expect(packed, file).toContain(file);
    }
  });

  it('holds every file the README links to', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((link) => !/^[a-z]+:/.test(link));
    expect(links).toContain('docs/screenshots/scorecard.png');
    for (const link of links) expect(packed, link).toContain(link);
  });

  it('leaves out the development tools, the sources, the tests and the source maps', () => {
    expect(packed.filter((path) => /^(tools|src|test|scripts)\//.test(path))).toEqual([]);
    expect(packed.filter((path) => /(^|\/)bench([./-]|$)/.test(path))).toEqual([]);
    expect(packed.filter((path) => path.endsWith('.map'))).toEqual([]);
  });

  it('carries the Apache License 2.0 that package.json names', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('Apache-2.0');
    const licence = readFileSync(join(repo, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    expect(licence).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(licence).toContain('END OF TERMS AND CONDITIONS');
    expect(licence).toContain('Copyright 2026 The truenorth authors');
  });
});

describe('truenorth --version', () => {
  it('prints the version of the package it runs from', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = spawnSync(process.execPath, [join(dir, 'bin', 'truenorth.js'), flag], { cwd: tmpdir(), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(`${pkg.version}\n`);
      expect(run.status).toBe(0);
    }
  });
});

describe('truenorth bench in an installed package', () => {
  it('exits 2 with one line saying the bench is a development tool', () => {
    rmSync(join(dir, 'tools'), { recursive: true, force: true });
    const run = spawnSync(process.execPath, [join(dir, 'bin', 'truenorth.js'), 'bench', '--scale', '1m'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('truenorth: bench is a development tool, not part of the installed package: run it from a checkout of the repository (npm run bench)\n');
  });
});
