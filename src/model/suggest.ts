/**
 * "Did you mean …" for a name the store does not hold, drawn from the names it does: the same name
 * in another case or with other separators (`Signed Up` ↔ `signed_up`), one that contains it
 * (`signed_up` ↔ `user_signed_up`), the same words in another order, or a small typo
 * (`project_craeted` ↔ `project_created`).
 */

/** Lowercase letters and digits only: `Signed Up`, `signed_up` and `signedUp` are one name. */
export function squash(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

function words(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** Damerau–Levenshtein distance (adjacent transpositions count once). */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      const transposition = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? before[j - 2] + 1 : Infinity;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution, transposition);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length];
}

/** How close `candidate` is to `name` (lower is closer); undefined when it is no plausible match. */
function closeness(name: string, candidate: string): number | undefined {
  const a = squash(name);
  const b = squash(candidate);
  if (!a || !b) return undefined;
  if (a === b) return 0;
  const shorter = Math.min(a.length, b.length);
  if (shorter >= 4 && (a.includes(b) || b.includes(a))) return 1 + Math.abs(a.length - b.length) / 100;
  const wa = words(name);
  const wb = new Set(words(candidate));
  if (wa.length > 0 && wa.length === wb.size && wa.every((w) => wb.has(w))) return 1.5;
  const distance = editDistance(a, b);
  if (distance <= Math.max(1, Math.floor(a.length / 4))) return 2 + distance;
  return undefined;
}

/** Up to `limit` stored names that `name` probably meant, closest first. */
export function suggestNames(name: string, known: Iterable<string>, limit = 3): string[] {
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of known) {
    if (candidate === name) continue;
    const score = closeness(name, candidate);
    if (score !== undefined) scored.push({ candidate, score });
  }
  scored.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, limit).map((s) => s.candidate);
}

/** ` (did you mean "a" or "b"?)`, or '' when nothing is close. */
export function didYouMeanText(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  return ` (did you mean ${suggestions.map((s) => JSON.stringify(s)).join(' or ')}?)`;
}

/** ` (did you mean "journey"?)` when a known word is close to the typo, else ``. */
export function didYouMean(word: string, known: readonly string[]): string {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3))) return ` (did you mean "${best}"?)`;
  const prefix = lower.length >= 2 ? known.find((k) => k.length >= 2 && (lower.startsWith(k) || k.startsWith(lower))) : undefined;
  return prefix ? ` (did you mean "${prefix}"?)` : '';
}
