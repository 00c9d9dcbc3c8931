/**
 * Reads `truenorth.yaml` into a validated Config. Any problem becomes one ConfigError naming the
 * file, the 1-based line and the key path, so the CLI can print it as a single line.
 */
import { readFileSync } from 'node:fs';
import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configErrorMap, configSchema, type Config } from './schema/index.js';

type PathSegment = string | number;

export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`no truenorth.yaml at ${file}; run \`truenorth init\``);
    if (code === 'EISDIR') throw new ConfigError(`${file} is a directory, not a truenorth.yaml file`);
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file = 'truenorth.yaml'): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  const lineAt = (offset: number) => lines.linePos(offset).line;

  const yamlError = doc.errors[0];
  if (yamlError) {
    const offset = yamlError.pos[0];
    if (yamlError.code === 'DUPLICATE_KEY') {
      const path = pathAtOffset(doc, offset);
      const key = path[path.length - 1];
      throw new ConfigError(`duplicate key "${String(key)}"`, formatPath(path), lineAt(offset), file);
    }
    throw new ConfigError(`invalid YAML: ${yamlError.message}`, '', lineAt(offset), file);
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Unresolvable or excessive aliases surface here rather than in doc.errors.
    const alias = firstUnresolvedAlias(doc);
    const line = alias?.range ? lineAt(alias.range[0]) : undefined;
    throw new ConfigError(`invalid YAML: ${(error as Error).message}`, '', line, file);
  }
  if (data === null || data === undefined) {
    throw new ConfigError('the file is empty; run `truenorth init` for a commented example', '', undefined, file);
  }

  const result = configSchema.safeParse(data, { error: configErrorMap });
  if (result.success) return result.data;
  const issue = pickIssue(result.error.issues, doc, lineAt);
  throw new ConfigError(issue.message, formatPath(issue.path), issue.line, file);
}

interface LocatedIssue {
  message: string;
  path: PathSegment[];
  line: number | undefined;
}

/**
 * One issue to report: an unknown key first, since a typo (`jorney`) also makes the real key look
 * missing; then a wrong value before a missing one; the earliest in the file among equals.
 */
function pickIssue(issues: z.core.$ZodIssue[], doc: Document, lineAt: (offset: number) => number): LocatedIssue {
  const located = issues.map((issue, order) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]);
    const { node, exact } = nodeAtPath(doc, path);
    const line = node?.range ? lineAt(node.range[0]) : undefined;
    const rank = issue.code === 'unrecognized_keys' ? 0 : exact ? 1 : 2;
    return { message: issue.message, path, line, order, rank };
  });
  located.sort((a, b) => a.rank - b.rank || (a.line ?? Infinity) - (b.line ?? Infinity) || a.order - b.order);
  return located[0];
}

/**
 * The node for a key path: for a mapping entry its key (so the line is the key's line), for a list
 * item the item itself. Stops at the nearest parent that exists.
 */
export function nodeAtPath(doc: Document, path: readonly PathSegment[]): { node: Node | undefined; exact: boolean } {
  let container: unknown = doc.contents;
  let found: Node | undefined = doc.contents ?? undefined;
  let depth = 0;
  for (const segment of path) {
    if (isAlias(container)) container = container.resolve(doc);
    if (isMap(container)) {
      const pair = container.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      found = (pair.key as Node) ?? found;
      container = pair.value;
    } else if (isSeq(container) && typeof segment === 'number' && isNode(container.items[segment])) {
      found = container.items[segment] as Node;
      container = found;
    } else {
      break;
    }
    depth++;
  }
  return { node: found, exact: depth === path.length };
}

/** The key path of the mapping key that starts at `offset` (where the yaml package reports a duplicate). */
function pathAtOffset(doc: Document, offset: number): PathSegment[] {
  const search = (node: unknown, path: PathSegment[]): PathSegment[] | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        const keyRange = (pair.key as Node | null)?.range;
        if (keyRange && keyRange[0] <= offset && offset < keyRange[1]) return [...path, key];
        const inner = search(pair.value, [...path, key]);
        if (inner) return inner;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const inner = search(item, [...path, i]);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return search(doc.contents, []) ?? [];
}

function firstUnresolvedAlias(doc: Document): Alias | undefined {
  let unresolved: Alias | undefined;
  visit(doc, {
    Alias(_, alias) {
      if (!alias.resolve(doc)) {
        unresolved = alias;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return unresolved;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !isPair(value);
}

/** `journey.kui.within`, `metrics[2].id`, `ideal_user["plan name"].eq` */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
