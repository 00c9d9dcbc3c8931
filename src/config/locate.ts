import { LineCounter, parseDocument } from 'yaml';
import { nodeAtPath } from './load.js';
import type { PathSegment } from './names.js';

/** `journey.setup.event`, `metrics[2].where["plan name"]` → its segments (the inverse of formatPath). */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else out.push(m[3]);
  }
  return out;
}

/** A function from a dotted key path to its 1-based line in the YAML text (the nearest written parent's line; none for an unwritten section). */
export function lineLocator(text: string): (path: string) => number | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true });
  return (path) => {
    const { node } = nodeAtPath(doc, parsePath(path));
    // A path none of whose keys is written (a default) has no line.
    if (!node?.range || node === doc.contents) return undefined;
    return lines.linePos(node.range[0]).line;
  };
}
