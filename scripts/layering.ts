/**
 * The layering check: dependency-cruiser's rules (`.dependency-cruiser.cjs`) over the import graph
 * of src/, web/src/ and tools/.
 *
 * dependency-cruiser reads TypeScript through the `typescript` package's JavaScript API, which
 * TypeScript 7 (the native compiler) no longer ships. So the check hands it a JavaScript mirror of
 * the tree: each module compiled by Oxc (through Vite) with only `import type` / `export type`
 * statements removed, and those type-only imports written back as `typeOnly('…')` calls, which
 * the config declares as an exotic require so rules can tell them apart. A second, independent
 * reading (`scanImports`, plain patterns over the source) must find exactly the edges
 * dependency-cruiser reports, module by module, so a parse that silently drops imports fails.
 *
 * Run: `npm run lint:layers` (exit 1 on a violation).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformWithOxc } from 'vite';

/** The folders the check reads, relative to the root; missing ones are skipped. */
export const SCANNED = ['src', 'web/src', 'tools'];
const SOURCE = /\.tsx?$/;

export interface ImportEdge {
  /** Both paths relative to the root, with their real extensions. */
  from: string;
  to: string;
  typeOnly: boolean;
}

export interface Violation {
  from: string;
  to: string;
  rule: string;
}

export interface LayeringResult {
  /** Every module's local import edges, as dependency-cruiser reports them. */
  edges: ImportEdge[];
  violations: Violation[];
  /** Modules whose reported edges differ from the source scan (empty when the graph is complete). */
  incomplete: { module: string; reported: string[]; scanned: string[] }[];
}

export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'node_modules') walk(path);
      } else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(relative(root, path).split(sep).join('/'));
    }
  };
  for (const folder of SCANNED) if (existsSync(join(root, folder))) walk(join(root, folder));
  return out;
}

const TYPE_ONLY = /^\s*(?:import|export)\s+type\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm;
const FROM = /^\s*(?:import|export)\s[^;'"]*?\sfrom\s*['"]([^'"]+)['"]/gm;
const BARE = /^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative import specifiers of a module's source, each marked type-only or not. */
export function scanImports(source: string): { specifier: string; typeOnly: boolean }[] {
  const found = new Map<string, boolean>();
  const add = (specifier: string, typeOnly: boolean) => {
    if (specifier.startsWith('.')) found.set(specifier, (found.get(specifier) ?? true) && typeOnly);
  };
  const typeOnlyAt = new Set<number>();
  for (const m of source.matchAll(TYPE_ONLY)) {
    typeOnlyAt.add(m.index);
    add(m[1], true);
  }
  for (const m of source.matchAll(FROM)) if (!typeOnlyAt.has(m.index)) add(m[1], false);
  for (const re of [BARE, DYNAMIC]) for (const m of source.matchAll(re)) add(m[1], false);
  return [...found].map(([specifier, typeOnly]) => ({ specifier, typeOnly }));
}

/** The module a relative specifier names, among `files` (paths relative to the root). */
export function resolveSpecifier(fromFile: string, specifier: string, files: ReadonlySet<string>): string | null {
  const base = join(dirname(fromFile), specifier).split(sep).join('/');
  const stem = base.replace(/\.js$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, `${base}/index.ts`, `${base}/index.tsx`]) if (files.has(candidate)) return candidate;
  return null;
}

/** A stylesheet or other file that is not a module (the graph leaves it out). */
function isAsset(root: string, fromFile: string, specifier: string): boolean {
  const path = join(root, dirname(fromFile), specifier);
  return !SOURCE.test(specifier) && !specifier.endsWith('.js') && existsSync(path) && statSync(path).isFile();
}

const mirrorName = (file: string) => file.replace(SOURCE, '.js');

/** Writes the JavaScript mirror of the tree under `root` into `out`; returns the mirror's name for each module. */
async function writeMirror(root: string, files: string[], out: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const file of files) {
    const source = readFileSync(join(root, file), 'utf8');
    const lang = file.endsWith('.tsx') ? 'tsx' : 'ts';
    const { code } = await transformWithOxc(source, file, { lang, jsx: { runtime: 'automatic' }, typescript: { onlyRemoveTypeImports: true } });
    const typeOnly = scanImports(source).filter((i) => i.typeOnly).map((i) => `typeOnly(${JSON.stringify(i.specifier)});`);
    const target = join(out, mirrorName(file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${code}\n${typeOnly.join('\n')}\n`);
    names.set(mirrorName(file), file);
  }
  return names;
}

interface CruisedModule {
  source: string;
  dependencies: { resolved: string; couldNotResolve: boolean; coreModule: boolean; exoticRequire?: string; rules?: { name: string }[] }[];
}

/** Runs dependency-cruiser with the config at `configFile` over the tree under `root`. */
export async function checkLayering(root: string, configFile: string): Promise<LayeringResult> {
  const files = sourceFiles(root);
  const out = mkdtempSync(join(tmpdir(), 'truenorth-layers-'));
  try {
    const names = await writeMirror(root, files, out);
    const require = createRequire(import.meta.url);
    const config = require(resolve(configFile)) as { forbidden: unknown[]; options: Record<string, unknown> };
    const { cruise } = (await import('dependency-cruiser')) as unknown as { cruise: (files: string[], options: object) => Promise<{ output: { modules: CruisedModule[] } }> };
    const previous = process.cwd();
    process.chdir(out);
    let modules: CruisedModule[];
    try {
      const scanned = SCANNED.filter((f) => existsSync(join(out, f)));
      ({ output: { modules } } = await cruise(scanned, { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true }));
    } finally {
      process.chdir(previous);
    }
    return summarize(root, modules, names, new Set(files));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function summarize(root: string, modules: CruisedModule[], names: Map<string, string>, files: Set<string>): LayeringResult {
  const edges: ImportEdge[] = [];
  const violations: Violation[] = [];
  const incomplete: LayeringResult['incomplete'] = [];
  for (const m of modules) {
    const from = names.get(m.source);
    if (!from) continue;
    const local = m.dependencies.filter((d) => !d.coreModule && !d.couldNotResolve && names.has(d.resolved));
    const reported = local.map((d) => ({ to: names.get(d.resolved)!, typeOnly: d.exoticRequire === 'typeOnly' }));
    for (const d of reported) edges.push({ from, ...d });
    for (const d of local) for (const rule of d.rules ?? []) violations.push({ from, to: names.get(d.resolved)!, rule: rule.name });
    const scanned = scanImports(readFileSync(join(root, from), 'utf8'))
      .filter((i) => !isAsset(root, from, i.specifier))
      .map((i) => `${resolveSpecifier(from, i.specifier, files) ?? `unresolved ${i.specifier}`}${i.typeOnly ? ' (type)' : ''}`);
    const seen = [...new Set(reported.map((d) => `${d.to}${d.typeOnly ? ' (type)' : ''}`))].sort();
    if (seen.join('|') !== [...new Set(scanned)].sort().join('|')) incomplete.push({ module: from, reported: seen, scanned: [...new Set(scanned)].sort() });
  }
  return { edges, violations, incomplete };
}

async function main(): Promise<void> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const result = await checkLayering(root, join(root, '.dependency-cruiser.cjs'));
  for (const v of result.violations) console.log(`${v.rule}: ${v.from} → ${v.to}`);
  for (const m of result.incomplete) console.log(`incomplete graph: ${m.module} reported [${m.reported.join(', ')}], source has [${m.scanned.join(', ')}]`);
  console.log(`${result.edges.length} import edges, ${result.violations.length} violations`);
  if (result.violations.length > 0 || result.incomplete.length > 0) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
