let lastSeq = 0;
/** Strictly increasing within the process and across processes writing later: μs since epoch. */
export function nextSeq(): number {
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

/** `count` consecutive values of `nextSeq` at once (for rows numbered inside ClickHouse): the first. */
export function reserveSeqs(count: number): number {
  const first = nextSeq();
  lastSeq = first + Math.max(count, 1) - 1;
  return first;
}

/** Ids (or persons, accounts) per request that names them: keeps a server request's URL well under its limit. */
const ID_CHUNK = 2_000;

/** `items` in runs of at most ID_CHUNK, for statements that take a list of ids as a parameter. */
export function idChunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) out.push(items.slice(i, i + ID_CHUNK));
  return out;
}

/** A lane of this process: each `work` starts once the one before it settled. */
export function oneAtATime(): <T>(work: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (work) => {
    const next = last.then(work, work);
    last = next.catch(() => undefined);
    return next;
  };
}

/**
 * JSON text ClickHouse's parser reads in full. simdjson rejects a whole document that holds an
 * integer outside [-2^63, 2^64 - 1] (JSON.stringify prints doubles below 1e21 as plain digits),
 * so such a number is written in exponent form: the same double, and printed back by
 * JSONExtractRaw as the same digits DuckDB returns.
 */
export function clickhouseJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (!/\d{19}/.test(text)) return text;
  return text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) => {
    if (token.startsWith('"') || /[.eE]/.test(token)) return token;
    const n = BigInt(token);
    if (n >= -(2n ** 63n) && n <= 2n ** 64n - 1n) return token;
    return Number(token).toExponential();
  });
}
