/** What each side of a report bench computes, and whether the two agree. */

/** Figure name → number (null = no value). */
export type Answer = Map<string, number | null>;

export interface Agreement {
  agree: boolean;
  compared: number;
  /** The first differences, `figure: truenorth vs baseline`. */
  differences: string[];
}

/** Same figures, same values (relative 1e-9; a figure missing on one side counts as 0). */
export function compareAnswers(truenorth: Answer, baseline: Answer): Agreement {
  const keys = new Set([...truenorth.keys(), ...baseline.keys()]);
  const differences: string[] = [];
  let mismatches = 0;
  for (const key of [...keys].sort()) {
    const a = truenorth.has(key) ? truenorth.get(key)! : 0;
    const b = baseline.has(key) ? baseline.get(key)! : 0;
    const same = a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
    if (!same) {
      mismatches++;
      if (differences.length < 8) differences.push(`${key}: ${a} vs ${b}`);
    }
  }
  return { agree: mismatches === 0, compared: keys.size, differences: mismatches > differences.length ? [...differences, `… ${mismatches} differences in all`] : differences };
}
